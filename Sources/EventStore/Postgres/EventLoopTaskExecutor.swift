import NIOConcurrencyHelpers
import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that owns a PostgreSQL connection.
///
/// A statement written from the loop's own thread goes straight into the channel, and the
/// answer resumes the awaiting task on that thread too, within the same turn of the loop. From
/// the cooperative pool, the same statement costs two more thread wake-ups (the write handed to
/// the loop, the answer handed back): one-event appends with 1 writer went from 0.46–0.49× of
/// pgbench's INSERT rate to 0.51–0.52× once their batch ran here (README, "Group commit").
///
/// Only for short work that awaits the database (building a statement, reading its rows): a
/// job running here holds up every other connection of the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        // Also from the loop itself (an answer resuming its task): the job runs after what the
        // loop is doing now, never inside its stack.
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }

    /// One executor per event loop, made on first use (a process has a handful of loops).
    static func forLoop(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return executors.withLockedValue { executors in
            if let executor = executors[key] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            executors[key] = executor
            return executor
        }
    }

    private static let executors = NIOLockedValueBox([ObjectIdentifier: EventLoopTaskExecutor]())
}
