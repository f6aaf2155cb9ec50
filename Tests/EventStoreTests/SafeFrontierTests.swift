import Testing

@testable import EventStore

@Suite("SafeFrontier as a value")
struct SafeFrontierTests {
    @Test("with no appender running, the head is safe at once")
    func noAppenders() {
        var frontier = SafeFrontier()
        frontier.observe(head: 10, runningAppenders: [])
        #expect(frontier.safePosition == 10)
        #expect(frontier.pending.isEmpty)
    }

    @Test("the head waits until every appender running when it was read has ended")
    func runningAppenders() {
        var frontier = SafeFrontier()
        frontier.observe(head: 10, runningAppenders: ["500", "501"])
        #expect(frontier.safePosition == 0)
        #expect(frontier.blockedSince != nil)
        #expect(frontier.awaitedAppenders == ["500", "501"])
        // 501 ended, 500 still runs, new ones came: nothing is proven yet.
        frontier.observe(head: 20, runningAppenders: ["500", "510"])
        #expect(frontier.safePosition == 0)
        #expect(frontier.headPosition == 20)
        // 500 ended: position 10 is final; 20 still waits for 510.
        frontier.observe(head: 25, runningAppenders: ["510", "520"])
        #expect(frontier.safePosition == 10)
        frontier.observe(head: 25, runningAppenders: [])
        #expect(frontier.safePosition == 25)
        #expect(frontier.pending.isEmpty)
    }

    @Test("a later candidate that resolves first also settles the earlier ones")
    func laterCandidateResolvesEarlier() {
        var frontier = SafeFrontier()
        frontier.observe(head: 5, runningAppenders: ["1", "2"])
        frontier.observe(head: 8, runningAppenders: ["2", "3"])
        frontier.observe(head: 9, runningAppenders: ["4"])
        #expect(frontier.safePosition == 8)
        #expect(frontier.pending.map(\.position) == [9])
    }

    @Test("a probe answered late judges only candidates recorded before it was sent")
    func lateProbeJudgesOnlyOlderCandidates() {
        var frontier = SafeFrontier()
        // Reader X sends its probe; the server reads head 100 and no appender.
        let x = frontier.probeSent()
        // Reader Y sends its probe after; meanwhile appender "9/7" drew 101…105 and still runs.
        let y = frontier.probeSent()
        frontier.observe(head: 105, runningAppenders: ["9/7"], probeSentAt: y)
        // X's answer is recorded last: it proves 100, and nothing about "9/7".
        frontier.observe(head: 100, runningAppenders: [], probeSentAt: x)
        #expect(frontier.safePosition == 100)
        #expect(frontier.pending.map(\.position) == [105])
        // A probe sent after Y's answer was recorded, with "9/7" ended, settles 105.
        let z = frontier.probeSent()
        frontier.observe(head: 105, runningAppenders: ["9/8"], probeSentAt: z)
        #expect(frontier.safePosition == 105)
    }

    @Test("the pending list stays bounded while an appender stays open")
    func boundedPending() {
        var frontier = SafeFrontier()
        for step in 1...1000 {
            frontier.observe(head: Int64(step), runningAppenders: ["1", "\(1000 + step)"])
        }
        #expect(frontier.pending.count <= SafeFrontier.maximumPending)
        #expect(frontier.safePosition == 0)
        frontier.observe(head: 1000, runningAppenders: [])
        #expect(frontier.safePosition == 1000)
    }
}

extension SafeFrontier {
    /// One probe sent and answered before the next: how a single reader observes.
    mutating func observe(head: Int64, runningAppenders: Set<String>) {
        let sent = probeSent()
        observe(head: head, runningAppenders: runningAppenders, probeSentAt: sent)
    }
}
