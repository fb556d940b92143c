#!/usr/bin/env python3
"""Static checks of deploy/: Kubernetes manifests, the KEDA ScaledObject, the systemd unit's
environment file and the timings that must agree, all against the built `winnow serve`.

    manifests.py --winnow PATH [--deploy DIR] [--self-test]

Every setting a manifest passes to the service is looked up in `winnow serve --help` of the
binary given, never in a copy kept here: flags and environment variables come and go with the
code. With --self-test it then breaks copies of deploy/ on purpose (a misspelt field, an arg the
binary does not know, ...) and requires each check to fail on its copy.

Prints one `PASS name` or `FAIL name: why` line per check; exits 1 when any failed.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

# The Kubernetes release whose official schemas the manifests must pass (kubernetes-validate
# ships them; --strict rejects fields the schema does not list, as `kubectl --validate=strict`).
KUBERNETES_VERSION = "1.37.0"
HERE = Path(__file__).resolve().parent
KEDA_SCHEMA = HERE / "keda" / "scaledobject-v2.20.2.schema.json"
KEDA_KAFKA_SCHEMA = HERE / "keda" / "kafka-trigger-v2.20.2.schema.json"
# After --drain-timeout the service still closes the consumer (leaves the group) and flushes the
# producer (Publisher.close waits up to 10 s): the kill signal must not come before that.
SHUTDOWN_TAIL_S = 30
# Kustomization fields these manifests may use. No kustomize binary is packaged by Debian
# bookworm or PyPI, so the kustomization is checked by hand: its fields and that it lists every
# manifest (each of which is validated on its own).
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "namePrefix", "nameSuffix",
                        "labels", "commonLabels", "commonAnnotations", "images", "patches",
                        "configMapGenerator", "secretGenerator", "replicas"}


class Failed(Exception):
    pass


def require(problems):
    if problems:
        raise Failed("; ".join(problems))


# --- what the binary accepts -------------------------------------------------------------------

class ServeSettings:
    """Flags, their enum values and environment variables as `winnow serve --help` prints them."""

    def __init__(self, winnow):
        out = subprocess.run([winnow, "serve", "--help"], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise SystemExit(f"{winnow} serve --help failed: {out.stderr}")
        self.text = out.stdout
        self.env = set(re.findall(r"\bWINNOW_[A-Z0-9_]+\b", self.text))
        options = self.text.split("OPTIONS:", 1)[1]
        self.flags = {}  # name -> None (takes no value) | [] (any value) | [allowed values]
        entries = re.split(r"\n(?=  -)", options)
        for entry in entries:
            head = entry.strip().split("\n")[0]
            m = re.match(r"(-{1,2}[A-Za-z][\w-]*(?:/--[\w-]+)?)(?:\s+<[^>]+>)?", head)
            if not m:
                continue
            takes_value = "<" in head.split("  ")[0] or re.match(r"\S+ <", head) is not None
            values = re.search(r"\(values: ([^;)]+)", " ".join(entry.split()))
            allowed = [v.strip() for v in values.group(1).split(",")] if values else []
            for name in m.group(1).split("/"):
                self.flags[name] = allowed if takes_value else None
        if not self.flags or not self.env:
            raise SystemExit("could not read flags and environment variables from winnow serve --help")

    def check_args(self, args, where):
        problems = []
        i = 0
        while i < len(args):
            arg = args[i]
            name, eq, value = arg.partition("=")
            if name not in self.flags:
                problems.append(f"{where}: {name} is not a `winnow serve` flag")
            elif self.flags[name] is None:
                if eq:
                    problems.append(f"{where}: {name} takes no value")
            else:
                if not eq:
                    i += 1
                    if i >= len(args):
                        problems.append(f"{where}: {name} needs a value")
                        break
                    value = args[i]
                if self.flags[name] and value not in self.flags[name]:
                    problems.append(f"{where}: {name}={value}, not one of {self.flags[name]}")
            i += 1
        return problems

    def check_env(self, names, where):
        return [f"{where}: {n} is not a `winnow serve` environment variable" for n in sorted(names)
                if n not in self.env]


# --- reading deploy/ ---------------------------------------------------------------------------

class Deploy:
    def __init__(self, root):
        self.root = Path(root)
        self.k8s = self.root / "kubernetes"
        self.kustomization = yaml.safe_load((self.k8s / "kustomization.yaml").read_text())
        self.docs = []  # (file name, document)
        for name in self.kustomization.get("resources", []):
            path = self.k8s / name
            if path.exists():
                self.docs += [(name, d) for d in yaml.safe_load_all(path.read_text()) if d]

    def one(self, kind):
        found = [d for _, d in self.docs if d.get("kind") == kind]
        if len(found) != 1:
            raise Failed(f"expected one {kind}, found {len(found)}")
        return found[0]

    @property
    def deployment(self):
        return self.one("Deployment")

    @property
    def container(self):
        containers = self.deployment["spec"]["template"]["spec"]["containers"]
        found = [c for c in containers if c["name"] == "winnow"]
        if len(found) != 1:
            raise Failed("the Deployment has no container named winnow")
        return found[0]

    @property
    def configmap(self):
        return self.one("ConfigMap")

    def env_file(self):
        keys = {}
        for line in (self.root / "systemd" / "winnow.env").read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                keys[key.strip()] = value.strip()
        return keys

    def unit(self):
        # systemd-analyze verify checks the directives; here only the values the timings need.
        values = {}
        for line in (self.root / "systemd" / "winnow.service").read_text().splitlines():
            if "=" in line and not line.lstrip().startswith(("#", ";")):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
        return values

    def dockerfile(self):
        return (self.root / "Dockerfile").read_text()


# --- the checks --------------------------------------------------------------------------------

def check_kustomization(d, s):
    problems = []
    k = d.kustomization
    if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
        problems.append("kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization")
    problems += [f"kustomization.yaml: unknown field {f}" for f in sorted(set(k) - KUSTOMIZATION_FIELDS)]
    listed = set(k.get("resources", []))
    present = {p.name for p in d.k8s.glob("*.yaml")} - {"kustomization.yaml"}
    problems += [f"kustomization.yaml lists {n}, which does not exist" for n in sorted(listed - present)]
    problems += [f"{n} is not listed in kustomization.yaml" for n in sorted(present - listed)]
    require(problems)


def check_kubernetes_schemas(d, s):
    problems = []
    for name, doc in d.docs:
        if doc.get("apiVersion", "").startswith("keda.sh/"):
            continue  # a CRD: checked against KEDA's schema below
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{name} ({doc.get('kind')}): {str(e).splitlines()[0]}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{name}: no Kubernetes {KUBERNETES_VERSION} schema for "
                            f"{doc.get('apiVersion')} {doc.get('kind')}")
    require(problems)


def check_keda(d, s):
    problems = []
    so = d.one("ScaledObject")
    for e in jsonschema.Draft7Validator(json.loads(KEDA_SCHEMA.read_text())).iter_errors(so):
        problems.append(f"ScaledObject {'.'.join(map(str, e.absolute_path))}: {e.message}")
    spec = so.get("spec", {})
    # The CRD's x-kubernetes-validations rule (CEL), which JSON Schema cannot express.
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        problems.append("ScaledObject: minReplicaCount must be <= maxReplicaCount")
    target = spec.get("scaleTargetRef", {})
    if target.get("kind", "Deployment") != "Deployment" or target.get("name") != d.deployment["metadata"]["name"]:
        problems.append("ScaledObject: scaleTargetRef is not the winnow Deployment")
    cm = d.configmap.get("data", {})
    kafka = json.loads(KEDA_KAFKA_SCHEMA.read_text())
    for trigger in spec.get("triggers", []):
        if trigger.get("type") != "kafka":
            continue
        meta = trigger.get("metadata", {})
        for e in jsonschema.Draft7Validator(kafka).iter_errors(meta):
            problems.append(f"ScaledObject kafka trigger metadata: {e.message}")
        # KEDA must watch the lag of the group and topic the service actually consumes.
        for key, env in (("bootstrapServers", "WINNOW_BROKERS"), ("consumerGroup", "WINNOW_GROUP"),
                         ("topic", "WINNOW_INPUT_TOPIC")):
            if key in meta and env in cm and meta[key] != cm[env]:
                problems.append(f"ScaledObject kafka trigger {key}={meta[key]!r}, ConfigMap {env}={cm[env]!r}")
    require(problems)


def check_args_and_env(d, s):
    problems = []
    c = d.container
    # The image's ENTRYPOINT is `winnow serve`: the container's args are serve's arguments.
    if "command" in c:
        problems.append("the container overrides the image's entrypoint (winnow serve)")
    problems += s.check_args([str(a) for a in c.get("args", [])], "Deployment args")
    problems += s.check_env({e["name"] for e in c.get("env", [])}, "Deployment env")
    refs = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
    if d.configmap["metadata"]["name"] not in refs:
        problems.append("the container does not take its environment from the winnow ConfigMap")
    problems += s.check_env(set(d.configmap.get("data", {})), "ConfigMap")
    require(problems)


def check_systemd_env(d, s):
    problems = s.check_env(set(d.env_file()), "systemd/winnow.env")
    unit = d.unit()
    if unit.get("ExecStart", "").split()[1:2] != ["serve"]:
        problems.append("winnow.service: ExecStart does not run `winnow serve`")
    if "EnvironmentFile" not in unit:
        problems.append("winnow.service: no EnvironmentFile")
    require(problems)


def metrics_port(address, where):
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise Failed(f"{where}: metrics address {address!r} is not host:port")
    return host, int(port)


def check_ports_and_probes(d, s):
    problems = []
    c = d.container
    cm = d.configmap.get("data", {})
    if "WINNOW_METRICS_ADDRESS" not in cm:
        raise Failed("ConfigMap: no WINNOW_METRICS_ADDRESS, so no probe endpoint is served")
    host, port = metrics_port(cm["WINNOW_METRICS_ADDRESS"], "ConfigMap")
    if host not in ("0.0.0.0", "::", "[::]"):
        problems.append(f"ConfigMap: metrics on {host}, which the kubelet's probes cannot reach")
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    if port not in ports.values():
        problems.append(f"container ports {sorted(ports.values())} do not include the metrics port {port}")
    annotations = d.deployment["spec"]["template"]["metadata"].get("annotations", {})
    if "prometheus.io/port" in annotations and int(annotations["prometheus.io/port"]) != port:
        problems.append(f"prometheus.io/port {annotations['prometheus.io/port']} is not the metrics port {port}")
    if not re.search(rf"^EXPOSE\s+.*\b{port}\b", d.dockerfile(), re.M):
        problems.append(f"the Dockerfile does not EXPOSE the metrics port {port}")
    svc = d.one("Service")
    for p in svc["spec"]["ports"]:
        target = p.get("targetPort", p["port"])
        if (ports.get(target) if isinstance(target, str) else target) != port:
            problems.append(f"Service port {p['port']} targets {target!r}, not the metrics port {port}")
    # /healthz answers while the process runs, /readyz only while it consumes (help text).
    expected = {"livenessProbe": "/healthz", "startupProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, path in expected.items():
        if probe not in c:
            problems.append(f"the container has no {probe}")
            continue
        get = c[probe].get("httpGet", {})
        target = get.get("port")
        if (ports.get(target) if isinstance(target, str) else target) != port:
            problems.append(f"{probe} port {target!r} is not the metrics port {port}")
        if get.get("path") != path:
            problems.append(f"{probe} path {get.get('path')!r}, expected {path}")
        if path not in s.text:
            problems.append(f"winnow serve --help does not mention {path}")
    require(problems)


def probe_budget(probe):
    """Seconds from container start until this probe has failed enough times to act."""
    return probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def check_timings(d, s):
    problems = []
    pod = d.deployment["spec"]["template"]["spec"]
    c = d.container
    grace = pod.get("terminationGracePeriodSeconds", 30)
    drain = int(d.configmap.get("data", {}).get("WINNOW_DRAIN_TIMEOUT", 60))
    # SIGTERM starts the drain; SIGKILL comes after the grace period. The drain and the shutdown
    # after it must fit, or the kubelet kills a replica that was about to commit.
    if drain + SHUTDOWN_TAIL_S > grace:
        problems.append(f"WINNOW_DRAIN_TIMEOUT {drain} s + {SHUTDOWN_TAIL_S} s shutdown > "
                        f"terminationGracePeriodSeconds {grace}")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        p = c.get(probe, {})
        if p.get("timeoutSeconds", 1) >= p.get("periodSeconds", 10):
            problems.append(f"{probe}: timeoutSeconds must be below periodSeconds")
    # The metrics endpoint opens only after the model is loaded: the liveness probe must wait for
    # the startup probe, whose budget is the longest load tolerated, instead of a fixed delay.
    startup, liveness = c.get("startupProbe", {}), c.get("livenessProbe", {})
    if startup and liveness.get("initialDelaySeconds", 0) > 0:
        problems.append("livenessProbe.initialDelaySeconds is redundant next to a startupProbe")
    if startup and probe_budget(startup) < 300:
        problems.append(f"startupProbe allows {probe_budget(startup)} s to load the model; give it >= 300 s")
    # A draining replica is not ready (/readyz 503) but alive (/healthz 200): only the liveness
    # probe could kill it early, and it keeps passing, so the grace period alone bounds a drain.
    env, unit = d.env_file(), d.unit()
    unit_drain = int(env.get("WINNOW_DRAIN_TIMEOUT", 60))
    stop = int(re.sub(r"s$", "", unit.get("TimeoutStopSec", "90")))
    if unit.get("KillSignal", "SIGTERM") != "SIGTERM":
        problems.append("winnow.service: KillSignal must be SIGTERM (it starts the drain)")
    if unit_drain + SHUTDOWN_TAIL_S > stop:
        problems.append(f"winnow.env WINNOW_DRAIN_TIMEOUT {unit_drain} s + {SHUTDOWN_TAIL_S} s > TimeoutStopSec {stop}")
    if not re.search(r"^STOPSIGNAL\s+SIGTERM\s*$", d.dockerfile(), re.M):
        problems.append("the Dockerfile's STOPSIGNAL is not SIGTERM")
    require(problems)


CHECKS = [check_kustomization, check_kubernetes_schemas, check_keda, check_args_and_env,
          check_systemd_env, check_ports_and_probes, check_timings]


def run(deploy_dir, settings):
    results = {}
    d = Deploy(deploy_dir)
    for check in CHECKS:
        try:
            check(d, settings)
            results[check.__name__] = None
        except Failed as e:
            results[check.__name__] = str(e)
        except (KeyError, TypeError, ValueError) as e:  # a manifest missing what a check reads
            results[check.__name__] = f"{type(e).__name__}: {e}"
    return results


# Copies of deploy/ broken on purpose, and the check that must catch each: (name, file, text
# replaced, replacement, check).
BREAKAGES = [
    ("misspelt Deployment field", "kubernetes/deployment.yaml", "terminationGracePeriodSeconds:",
     "terminationGracePeriodSecond:", check_kubernetes_schemas),
    ("misspelt Service field", "kubernetes/service.yaml", "targetPort:", "targetport:", check_kubernetes_schemas),
    ("Deployment arg serve does not know", "kubernetes/deployment.yaml", "- --threads=8",
     "- --threads=8\n            - --no-such-flag=1", check_args_and_env),
    ("Deployment arg with a value outside its enum", "kubernetes/deployment.yaml", "--weights=bfloat16",
     "--weights=bf16", check_args_and_env),
    ("ConfigMap key serve does not read", "kubernetes/configmap.yaml", "WINNOW_GROUP:", "WINNOW_GRUOP:",
     check_args_and_env),
    ("misspelt ScaledObject field", "kubernetes/scaledobject.yaml", "maxReplicaCount:", "maxReplicasCount:",
     check_keda),
    ("misspelt kafka trigger key", "kubernetes/scaledobject.yaml", "lagThreshold:", "lagThresold:", check_keda),
    ("KEDA watching another consumer group", "kubernetes/scaledobject.yaml", "consumerGroup: winnow",
     "consumerGroup: other", check_keda),
    ("manifest not in the kustomization", "kubernetes/kustomization.yaml", "  - service.yaml\n", "",
     check_kustomization),
    ("probe on a port the service does not serve", "kubernetes/deployment.yaml", "port: metrics}",
     "port: 8080}", check_ports_and_probes),
    ("drain longer than the grace period", "kubernetes/configmap.yaml", 'WINNOW_DRAIN_TIMEOUT: "240"',
     'WINNOW_DRAIN_TIMEOUT: "290"', check_timings),
    ("systemd env key serve does not read", "systemd/winnow.env", "WINNOW_GROUP=", "WINNOW_GROUPS=",
     check_systemd_env),
    ("systemd stop timeout shorter than the drain", "systemd/winnow.env", "WINNOW_DRAIN_TIMEOUT=60",
     "WINNOW_DRAIN_TIMEOUT=290", check_timings),
]


def self_test(deploy_dir, settings):
    results = {}
    for name, rel, old, new, check in BREAKAGES:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "deploy"
            shutil.copytree(deploy_dir, copy, ignore=shutil.ignore_patterns("local", "checks"))
            path = copy / rel
            text = path.read_text()
            if old not in text:
                results[f"fails on: {name}"] = f"{rel} no longer contains {old!r}; update the breakage"
                continue
            path.write_text(text.replace(old, new, 1))
            outcome = run(copy, settings)[check.__name__]
            results[f"fails on: {name}"] = None if outcome else f"{check.__name__} passed a broken copy"
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--winnow", required=True, help="the built winnow binary")
    ap.add_argument("--deploy", default=str(HERE.parent), help="the deploy/ directory")
    ap.add_argument("--self-test", action="store_true", help="also require each check to fail on a broken copy")
    a = ap.parse_args()
    settings = ServeSettings(a.winnow)
    results = run(a.deploy, settings)
    if a.self_test:
        results.update(self_test(a.deploy, settings))
    for name, problem in results.items():
        print(f"PASS manifests: {name}" if problem is None else f"FAIL manifests: {name}: {problem}")
    sys.exit(1 if any(p is not None for p in results.values()) else 0)


if __name__ == "__main__":
    main()
