import Mail
/// The dashboard's sign-in form. The CSRF token travels twice: in a hidden field and in a
/// cookie the form's own origin set; a forged cross-site post cannot know it.
struct LoginPage {
    let csrfToken: String
    let message: String?

    func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Commerce · sign in</title><style>\(DashboardPage.style)
        .login{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem;border-radius:6px}
        .login label{display:block;margin:.75rem 0}.login input{width:100%;box-sizing:border-box;padding:.4rem}
        .message{color:#b3261e}</style></head>
        <body><form class="login" method="post" action="/admin/dashboard/login">
        <h1>Commerce dashboard</h1>\(message.map { "<p class=\"message\" role=\"alert\">\(HTML.escape($0))</p>" } ?? "")
        <input type="hidden" name="csrf" value="\(HTML.escape(csrfToken))">
        <label>E-mail <input name="email" type="email" autocomplete="username" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button></form></body></html>
        """
    }
}
