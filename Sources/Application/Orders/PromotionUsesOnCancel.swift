/// Whether a cancelled order gives back the promotion and coupon uses it counted
/// (`PROMOTION_USES_ON_CANCEL`): `return` (the default) while the promotion is still running, so a
/// customer whose order was cancelled can use their one-time code again; `keep` never.
public enum PromotionUsesOnCancel: String, Sendable, CaseIterable {
    case returnWhileRunning = "return"
    case keep
}
