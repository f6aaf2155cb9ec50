import Hummingbird

/// Guards the `/admin` route group: 401 without a valid token, 403 for anyone but an admin.
/// Handlers in the group can then take the principal as given.
struct AdminMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        _ = try context.requireAdmin()
        return try await next(request, context)
    }
}
