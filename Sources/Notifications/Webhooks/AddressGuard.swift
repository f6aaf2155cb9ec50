#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Keeps webhooks off the deployment's own network (SSRF): a host is resolved once, every
/// address it resolves to must be public, and the connection goes to one of those same
/// addresses — so a name that resolves differently a moment later (DNS rebinding) changes
/// nothing. Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT,
/// benchmarking, multicast, reserved and unspecified addresses are refused, also inside
/// IPv4-mapped and NAT64 IPv6 addresses.
public enum AddressGuard {
    /// The addresses `host` resolves to, for `port`.
    /// - Throws: ``WebhookError/unresolvable`` when it resolves to none.
    public static func resolve(host: String, port: Int) async throws(WebhookError) -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return [literal] }
        let result: [SocketAddress]
        do {
            result = try await NIOThreadPool.singleton.runIfActive { lookUp(host: host, port: port) }
        } catch {
            throw .unresolvable(host)
        }
        guard !result.isEmpty else { throw .unresolvable(host) }
        return result
    }

    /// Whether an address is on the public internet.
    public static func isPublic(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            var raw = v4.address.sin_addr
            return withUnsafeBytes(of: &raw) { isPublicV4(Array($0)) }
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            return withUnsafeBytes(of: &raw) { isPublicV6(Array($0)) }
        case .unixDomainSocket:
            return false
        }
    }

    static func isPublicV4(_ b: [UInt8]) -> Bool {
        guard b.count == 4 else { return false }
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return false  // this network, private, loopback
        case (100, 64...127, _): return false  // carrier-grade NAT
        case (169, 254, _): return false  // link-local (cloud metadata services live here)
        case (172, 16...31, _): return false
        case (192, 168, _): return false
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return false  // protocol assignments, documentation
        case (198, 18...19, _): return false  // benchmarking
        case (224...255, _, _): return false  // multicast, reserved, broadcast
        default: return true
        }
    }

    static func isPublicV6(_ b: [UInt8]) -> Bool {
        guard b.count == 16 else { return false }
        if b[0..<10].allSatisfy({ $0 == 0 }) {
            // ::, ::1, IPv4-compatible and IPv4-mapped (::ffff:a.b.c.d): judged by the IPv4 part.
            if b[10] == 0xFF, b[11] == 0xFF { return isPublicV4(Array(b[12..<16])) }
            return false
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return isPublicV4(Array(b[12..<16])) }  // NAT64
        if b[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if b[0] == 0xFF { return false }  // multicast
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0D, b[3] == 0xB8 { return false }  // documentation
        return true
    }

    private static func lookUp(host: String, port: Int) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            if let pointer = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    addresses.append(pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                case AF_INET6:
                    addresses.append(pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                default:
                    break
                }
            }
            next = info.pointee.ai_next
        }
        return addresses
    }
}
