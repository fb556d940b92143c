import Foundation

/// Process memory as the kernel reports it in /proc/self/status.
enum ResourceUsage {
    /// Peak resident set size (VmHWM), in bytes.
    static var peakResidentBytes: Int { statusField("VmHWM") }
    /// Current resident set size (VmRSS), in bytes.
    static var residentBytes: Int { statusField("VmRSS") }

    private static func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
