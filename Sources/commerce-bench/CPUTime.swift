import Foundation

/// CPU time (user + system) used so far by this process, or by its children that have ended
/// and been waited for (pgbench). Unlike a rate, CPU per event barely moves with the other load
/// on this shared machine, so it shows a client's cost from one run to the next.
struct CPUTime {
    let seconds: Double

    static func ofThisProcess() -> CPUTime { read(RUSAGE_SELF) }
    static func ofEndedChildren() -> CPUTime { read(RUSAGE_CHILDREN) }

    private static func read(_ who: __rusage_who) -> CPUTime {
        var usage = rusage()
        _ = getrusage(Int32(who.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return CPUTime(seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }
}
