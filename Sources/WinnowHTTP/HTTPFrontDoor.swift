import ChatText
import Foundation
import Hummingbird
import Logging
import RewardEngine
import ServiceLifecycle
import Synchronization
import WinnowJinja
import WinnowService

/// `winnow serve --http-address`: an HTTP server (Hummingbird 2) in the same process and on the
/// same model as the Kafka consumer. It serves the reward endpoints RLHF frameworks already call
/// (SGLang's and vLLM's `/classify`, vLLM's `/pooling`, OpenRLHF's `/get_reward`), the native
/// `/v1/groups` (the Kafka record and selection schemas over HTTP), and Prometheus `/metrics`,
/// `/healthz`, `/readyz`. Without a model (`scoring` nil) it serves the last three only.
///
/// Every scoring request goes through one `ScoreBatcher`. Every refusal is a JSON error with a
/// 4xx status (503 with Retry-After when the queue is full or the server is draining); the server
/// keeps serving whatever a client sends. `shutdown()` stops accepting connections, answers the
/// requests already open, then returns.
public final class HTTPFrontDoor: Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        /// Largest request body accepted (413 beyond).
        public var maxBodyBytes: Int
        /// Most inputs (texts, id lists, queries, prompt groups) in one request (413 beyond).
        public var maxInputs: Int
        /// Longest a request may take, from its arrival (reading a slow client's body included)
        /// to its answer: 408 while the body is still arriving, 503 while waiting to be scored.
        public var requestTimeout: Duration
        /// A connection idle this long is closed.
        public var idleTimeout: Duration
        public var batching: ScoreBatcher.Settings

        public init(host: String, port: Int, maxBodyBytes: Int = 8 << 20, maxInputs: Int = 1024,
                    requestTimeout: Duration = .seconds(120), idleTimeout: Duration = .seconds(60),
                    batching: ScoreBatcher.Settings = .init()) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.maxInputs = maxInputs
            self.requestTimeout = requestTimeout
            self.idleTimeout = idleTimeout
            self.batching = batching
        }

        /// Parses `HOST:PORT` (an empty host means every interface; port 0 picks a free one).
        public static func address(_ text: String) throws -> (host: String, port: Int) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let port = UInt16(parts[1]) else {
                throw HTTPFrontDoorError("an address must be HOST:PORT, got \"\(text)\"")
            }
            return (parts[0].isEmpty ? "0.0.0.0" : String(parts[0]), Int(port))
        }
    }

    /// What the scoring endpoints need: the model, its tokenizer and chat template, and the
    /// prompt-group decoder (limits and default policy) the Kafka path uses.
    public struct Scoring: Sendable {
        public var model: RewardModel
        public var encoder: ChatEncoder
        public var decoder: PromptGroupDecoder

        public init(model: RewardModel, encoder: ChatEncoder, decoder: PromptGroupDecoder) {
            self.model = model
            self.encoder = encoder
            self.decoder = decoder
        }
    }

    /// The per-endpoint series (`winnow_http_*`).
    public let metrics: HTTPMetrics
    private let settings: Settings
    private let batcher: ScoreBatcher?
    private let peers: PeerEndpoints?
    private let groups: GroupsEndpoint?
    private let modelInfo: ModelInfoEndpoints?
    private let serviceMetrics: @Sendable () -> String
    private let isReady: @Sendable () -> Bool
    private let logger: Logger
    private let draining = Atomic<Bool>(false)
    private let running = Mutex<(group: ServiceGroup?, finished: DispatchSemaphore?)>((nil, nil))

    /// - Parameters:
    ///   - serviceMetrics: the rest of the process's exposition text, rendered before this
    ///     server's own series on `/metrics`.
    ///   - isReady: what `/readyz` reports besides this server draining (the Kafka consumer's
    ///     state, when there is one).
    ///   - metrics: where the HTTP series are counted (a metrics-only listener shares the front
    ///     door's).
    public init(settings: Settings, scoring: Scoring?, serviceMetrics: @escaping @Sendable () -> String = { "" },
                isReady: @escaping @Sendable () -> Bool = { true }, metrics: HTTPMetrics = HTTPMetrics(), logger: Logger) {
        self.settings = settings
        self.metrics = metrics
        self.serviceMetrics = serviceMetrics
        self.isReady = isReady
        self.logger = logger
        if let scoring {
            let batcher = ScoreBatcher(model: scoring.model, settings: settings.batching, metrics: metrics)
            self.batcher = batcher
            peers = PeerEndpoints(tokenizing: TextTokenizing(encoder: scoring.encoder, model: scoring.model), batcher: batcher,
                                  maxInputs: settings.maxInputs, modelName: scoring.model.directory.name)
            modelInfo = ModelInfoEndpoints(model: scoring.model)
            groups = GroupsEndpoint(decoder: scoring.decoder, tokenizer: GroupTokenizer(encoder: scoring.encoder, model: scoring.model),
                                    batcher: batcher, maxInputs: settings.maxInputs)
        } else {
            batcher = nil
            peers = nil
            groups = nil
            modelInfo = nil
        }
    }

    /// Binds and starts serving in the background; returns the bound port.
    public func start() throws -> Int {
        let bound = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let outcome = StartOutcome()
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(settings.idleTimeout.seconds * 1e9)))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "winnow"),
            onServerRunning: { channel in
                outcome.value.withLock { $0 = .success(channel.localAddress?.port ?? 0) }
                bound.signal()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        running.withLock { $0 = (group, finished) }
        let logger = logger
        Task {
            do { try await group.run() } catch {
                logger.error("http server stopped", metadata: ["error": "\(error)"])
                outcome.value.withLock { if $0 == nil { $0 = .failure(error) } }
                bound.signal()
            }
            finished.signal()
        }
        bound.wait()
        let port = try outcome.value.withLock { $0! }.get()
        logger.info("http listening", metadata: ["address": "\(settings.host):\(port)",
                                                 "endpoints": "\(peers == nil ? "/metrics /healthz /readyz" : "/classify /encode /pooling /get_reward /v1/groups /metrics /healthz /readyz")"])
        return port
    }

    /// Graceful shutdown: `/readyz` turns 503, no new connections are accepted, open requests
    /// are answered (their batches scored), then the batcher stops. Blocks until done.
    public func shutdown() {
        draining.store(true, ordering: .relaxed)
        let (group, finished) = running.withLock { $0 }
        if let group, let finished {
            Task { await group.triggerGracefulShutdown() }
            finished.wait()
            finished.signal()  // for any other caller waiting on the same shutdown
        }
        batcher?.close()
    }

    // MARK: - Routes

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let routes = RouteTable()
        router.add(middleware: JSONErrorMiddleware<BasicRequestContext>(routes: routes))
        // Every GET route answers HEAD too (RFC 9110 9.3.2; load balancers probe with it).
        func get(_ path: String, _ respond: @escaping @Sendable () -> Response) {
            routes.add(.get, "/" + path)
            routes.add(.head, "/" + path)
            router.get(RouterPath(path)) { _, _ in respond() }
            router.head(RouterPath(path)) { _, _ in respond() }
        }
        func post(_ path: String, _ work: @escaping @Sendable (Value, ContinuousClock.Instant) async throws -> Reply) {
            routes.add(.post, "/" + path)
            router.post(RouterPath(path)) { request, _ in await self.handle(request, endpoint: "/" + path, work) }
        }
        get("metrics") {
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: self.serviceMetrics() + self.metrics.render())))
        }
        get("healthz") { HTTPFrontDoor.text(.ok, "ok\n") }
        get("health") { HTTPFrontDoor.text(.ok, "ok\n") }
        get("readyz") {
            self.isReady() && !self.draining.load(ordering: .relaxed) ? HTTPFrontDoor.text(.ok, "ready\n") : HTTPFrontDoor.text(.serviceUnavailable, "not ready\n")
        }
        guard let peers, let groups, let modelInfo else { return router }
        get("v1/models") { HTTPFrontDoor.json(modelInfo.models) }
        get("model_info") { HTTPFrontDoor.json(modelInfo.modelInfo) }
        get("get_model_info") { HTTPFrontDoor.json(modelInfo.modelInfo) }
        post("classify") { body, _ in
            // SGLang and vLLM share the path: told apart by their fields.
            if case .object(let object) = body, object["input"] != nil || object["messages"] != nil {
                return try await peers.vllm(body, endpoint: "/classify", pooling: false)
            }
            return try await peers.sglang(body, endpoint: "/classify")
        }
        post("encode") { body, _ in try await peers.sglang(body, endpoint: "/encode") }
        post("pooling") { body, _ in try await peers.vllm(body, endpoint: "/pooling", pooling: true) }
        post("get_reward") { body, _ in try await peers.openRLHF(body, endpoint: "/get_reward") }
        post("v1/groups") { body, received in try await groups.groups(body, endpoint: "/v1/groups", received: received) }
        return router
    }

    /// Reads the body (within the size limit), parses it, runs `work`, all within the request
    /// timeout; every failure becomes its JSON error; counts the request in the metrics.
    private func handle(_ request: Request, endpoint: String,
                        _ work: @escaping @Sendable (Value, ContinuousClock.Instant) async throws -> Reply) async -> Response {
        let received = ContinuousClock.now
        let bodyRead = BodyProgress()
        var sequences = 0
        let response: Response
        do {
            let reply = try await withDeadline(settings.requestTimeout) { [settings] in
                if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.maxBodyBytes {
                    throw APIError.tooLarge("the body has \(length) bytes; at most \(settings.maxBodyBytes) are accepted")
                }
                var buffer = ByteBuffer()
                for try await chunk in request.body {
                    guard buffer.readableBytes + chunk.readableBytes <= settings.maxBodyBytes else {
                        throw APIError.tooLarge("the body is larger than \(settings.maxBodyBytes) bytes")
                    }
                    buffer.writeImmutableBuffer(chunk)
                }
                bodyRead.done()
                return try await work(try JSONBody.parse(Array(buffer.readableBytesView)), received)
            }
            sequences = reply.sequences
            response = Response(status: .ok, headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.json)))
        } catch let error as APIError {
            response = error.plainResponse
        } catch is DeadlineExceeded {
            response = (bodyRead.isDone
                ? APIError(status: .serviceUnavailable, message: "not scored within the server's request timeout (\(settings.requestTimeout)); the server is busy", type: "timeout", retryAfter: 1)
                : APIError.timeout).plainResponse
        } catch {
            logger.warning("http request failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            response = APIError.badRequest("the request could not be read: \(error)").plainResponse
        }
        metrics.countRequest(endpoint: endpoint, status: Int(response.status.code), seconds: (ContinuousClock.now - received).seconds,
                             sequences: sequences)
        return response
    }

    private static func json(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

public struct HTTPFrontDoorError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// How starting the server went: the bound port or why not.
private final class StartOutcome: Sendable {
    let value = Mutex<Result<Int, any Error>?>(nil)
}

/// Whether a request's body has been read: a timeout before is the client's (408), after it the
/// server's (503).
private final class BodyProgress: Sendable {
    private let read = Atomic<Bool>(false)
    func done() { read.store(true, ordering: .relaxed) }
    var isDone: Bool { read.load(ordering: .relaxed) }
}

struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it and throwing `DeadlineExceeded` once `limit` has passed.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
        return value
    }
}

extension APIError {
    /// The error as a response, outside a router's context.
    var plainResponse: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}

/// The paths the router answers and the methods each takes, so that a known path asked with
/// another method gets 405 and an `Allow` header rather than 404. Filled while the routes are
/// registered, read-only afterwards.
final class RouteTable: Sendable {
    private let methods = Mutex<[String: [HTTPRequest.Method]]>([:])

    func add(_ method: HTTPRequest.Method, _ path: String) { methods.withLock { $0[path, default: []].append(method) } }

    /// The methods `path` takes, empty slashes ignored as the router ignores them
    /// (`/pooling/`, `//pooling`); empty for an unknown path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let normalized = "/" + path.split(separator: "/").joined(separator: "/")
        return methods.withLock { $0[normalized] ?? [] }
    }
}

/// Unknown paths, wrong methods and anything else the router refuses: the same JSON error body
/// as every endpoint's own refusals (404 for an unknown path, 405 with `Allow` for a known path
/// asked with the wrong method).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as HTTPError {
            guard error.status == .notFound else {
                return APIError(status: error.status, message: error.body ?? "\(error.status)", type: "invalid_request").plainResponse
            }
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else { return APIError.notFound("\(request.method) \(request.uri.path)").plainResponse }
            return APIError.methodNotAllowed(request.method, request.uri.path, allowed: allowed).plainResponse
        }
    }
}
