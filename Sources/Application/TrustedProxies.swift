#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// The reverse proxies and load balancers in front of the API (`TRUSTED_PROXIES`: addresses and
/// CIDR networks, comma-separated). Only a request that arrives from one of them has its client
/// address taken from `X-Forwarded-For`; from anywhere else the header is ignored, since a client
/// can write what it likes in it.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        /// 4 bytes (IPv4) or 16 (IPv6).
        let bytes: [UInt8]
        let prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for (network, candidate) in zip(bytes, address) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if network & mask != candidate & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    public struct InvalidEntry: Error, Sendable {
        public let entry: String
    }

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    /// Parses `10.0.0.0/8, 192.168.1.7, fd00::/8`.
    /// - Throws: ``InvalidEntry`` naming the first entry that is no address or network.
    public init(_ text: String) throws(InvalidEntry) {
        var networks: [Network] = []
        for item in text.split(separator: ",") {
            let entry = item.trimmingCharacters(in: .whitespaces)
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let bytes = Self.bytes(of: String(parts[0])) else { throw InvalidEntry(entry: entry) }
            let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let length, (0...(bytes.count * 8)).contains(length) else { throw InvalidEntry(entry: entry) }
            networks.append(Network(bytes: bytes, prefixLength: length))
        }
        self.networks = networks
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: starting from the connection's peer, each hop that is a trusted
    /// proxy hands over to the address it says it forwarded for (`X-Forwarded-For`, read from the
    /// right); the first hop that is not trusted is the client.
    public func client(peer: String, forwardedFor: [String]) -> String {
        var client = peer
        var hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        while trusts(client), let previous = hops.popLast() {
            guard Self.bytes(of: previous) != nil else { break }
            client = previous
        }
        return client
    }

    /// An IPv4 or IPv6 address's bytes; nil for anything else.
    static func bytes(of address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
