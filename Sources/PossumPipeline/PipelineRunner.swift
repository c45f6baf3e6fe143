import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives one DAG run: takes the DAG's lock, schedules tasks in dependency order with at most
/// `jobs` at once, skips cached ones, persists the state after every transition, and logs to the
/// tracker.
///
/// One thread (the caller's) owns the `RunState`; each task runs on a worker thread that only posts
/// `WorkerEvent`s back, so the state needs no locking and every write of it is a consistent snapshot.
public final class PipelineRunner {
    public let graph: PipelineGraph
    public let options: RunOptions
    public let store: StateStore
    private let progress: @Sendable (ProgressEvent) -> Void

    public init(graph: PipelineGraph, options: RunOptions, progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) {
        self.graph = graph
        self.options = options
        self.store = StateStore(workdir: graph.pipeline.workdir, durable: options.durable)
        self.progress = progress
    }

    /// A new run of the whole DAG. Returns the final state (status `failed` if any task failed).
    public func run() throws -> RunState {
        try graph.pipeline.requireWorkdir()
        for f in options.force where graph.task(named: f) == nil { throw PipelineError.unknownTask(name: f) }
        let lock = try DagLock(path: store.lockPath(dag: graph.pipeline.name), dag: graph.pipeline.name, wait: options.waitForLock)
        defer { lock.release() }
        // We hold the lock, so a previous run still marked running lost its driver: what that driver
        // left running would race this run for the same outputs. Only the latest run is looked at
        // (one small read): a driver killed before it would have been followed by this check already.
        var stopped: [ProgressEvent] = []
        if let last = store.runPaths(dag: graph.pipeline.name).last, let previous = try? store.load(path: last.path),
           previous.status == .running {
            stopped = stopOrphans(of: previous)
        }
        var forced = Set(options.force)
        for f in options.force { forced.formUnion(graph.descendants(of: f)) }
        var state = RunState(runID: RunState.newRunID(), dag: graph.pipeline.name, dagFile: graph.pipeline.file,
                             workdir: graph.pipeline.workdir, jobs: options.jobs, order: graph.order)
        state.forced = options.force
        return try execute(&state, forced: forced, resumed: false, stoppedOrphans: stopped)
    }

    /// Continues a run: tasks that succeeded or were cached are kept; every other task (pending,
    /// failed, skipped, or `running` because its driver died) runs again, cache permitting.
    public func resume(runID: String) throws -> RunState {
        try graph.pipeline.requireWorkdir()
        let lock = try DagLock(path: store.lockPath(dag: graph.pipeline.name), dag: graph.pipeline.name, wait: options.waitForLock)
        defer { lock.release() }
        // Read the state only under the lock: the driver we are replacing may still have been writing.
        var state = try store.load(runID: runID)
        let path = store.statePath(dag: state.dag, runID: runID)
        guard state.dag == graph.pipeline.name else {
            throw PipelineError.corruptState(file: path, reason: "belongs to DAG '\(state.dag)', not '\(graph.pipeline.name)'")
        }
        guard Set(state.order) == Set(graph.order) else {
            throw PipelineError.corruptState(file: path, reason: "its tasks no longer match \(graph.pipeline.file)")
        }
        // Its driver died mid-run if it is still marked running: what it left running must stop
        // before anything reruns.
        let stopped = state.status == .running ? stopOrphans(of: state) : []
        let tracker = RunTracker(uri: options.trackingURI, environment: options.environment, durable: options.trackerDurable) { [progress] in progress(.warning($0)) }
        tracker.endOrphan(state.trackerRunID)
        for name in state.order where !(state.tasks[name]!.status.isDone) {
            tracker.endOrphan(state.tasks[name]!.trackerRunID)
            state.tasks[name] = TaskState()
        }
        state.order = graph.order
        state.status = .running
        state.endedAt = nil
        state.pid = getpid()
        state.resumes += 1
        state.jobs = options.jobs
        return try execute(&state, forced: [], resumed: true, tracker: tracker, stoppedOrphans: stopped)
    }

    /// `stoppedOrphans` are reported right after the run's first line.
    private func execute(_ state: inout RunState, forced: Set<String>, resumed: Bool, tracker existing: RunTracker? = nil,
                         stoppedOrphans: [ProgressEvent] = []) throws -> RunState {
        let pipeline = graph.pipeline
        let started = DispatchTime.now()
        let logDir = store.logDirectory(dag: pipeline.name, runID: state.runID)
        try FileIO.makeDirectories(logDir)
        let cachePath = store.cachePath(dag: pipeline.name)
        var cache = try CacheFile.load(path: cachePath)
        let tracker = existing ?? RunTracker(uri: options.trackingURI, environment: options.environment, durable: options.trackerDurable) { [progress] in progress(.warning($0)) }
        tracker.startParent(dag: pipeline.name, runID: state.runID, dagFile: pipeline.file, resumed: resumed)
        state.trackerRunID = tracker.parentRunID
        // No state write yet: the first is made just before the first task starts (a run that
        // dies before that has nothing to resume), so a fully cached run writes its state once.
        progress(.runStarted(runID: state.runID, dag: pipeline.name, taskCount: state.order.count, resumed: resumed))
        stoppedOrphans.forEach(progress)
        for name in state.order where state.tasks[name]!.status.isDone {
            progress(.taskKept(task: name, status: state.tasks[name]!.status))
        }

        let channel = EventChannel<WorkerEvent>()
        var inFlight: Set<String> = []
        var stateWritten = false
        var taskStart: [String: DispatchTime] = [:]
        let jobs = max(1, options.jobs)

        func markCached(_ name: String, key: String, outputs: [String: String]) {
            var t = state.tasks[name]!
            t.status = .cached
            t.cacheKey = key
            t.outputHashes = outputs
            t.startedAt = Date()
            t.endedAt = t.startedAt
            t.durationMs = 0
            t.trackerRunID = tracker.startChild(task: name, runID: state.runID)
            tracker.endChild(t.trackerRunID, status: .cached, durationSeconds: 0, attempts: 0)
            state.tasks[name] = t
            progress(.taskCached(task: name))
        }

        func apply(_ event: WorkerEvent) throws {
            switch event {
            case let .attemptStarted(name, attempt, key, process):
                var t = state.tasks[name]!
                t.status = .running
                t.attempts = attempt
                t.cacheKey = key
                t.process = process
                if attempt == 1 { t.startedAt = Date() }
                state.tasks[name] = t
                progress(.taskStarted(task: name, attempt: attempt, of: (graph.task(named: name)?.retries ?? 0) + 1))
            case let .retrying(name, next, delay, reason):
                state.tasks[name]!.message = reason
                progress(.taskRetrying(task: name, nextAttempt: next, delaySeconds: delay, reason: reason))
            case let .succeeded(name, key, outputs, ms, attempts):
                inFlight.remove(name)
                // Cache first, then state: if we die between the two, resume finds the task not
                // done but the cache valid, and takes it as cached instead of running it twice.
                cache.tasks[name] = CacheEntry(key: key, outputs: outputs, recordedAt: Date(), runID: state.runID)
                try cache.save(path: cachePath, durable: options.durable)
                var t = state.tasks[name]!
                t.status = .succeeded
                t.attempts = attempts
                t.exitCode = 0
                t.outputHashes = outputs
                t.endedAt = Date()
                t.durationMs = elapsedMs(since: taskStart[name]!)
                t.message = nil
                t.process = nil
                tracker.endChild(t.trackerRunID, status: .succeeded, durationSeconds: t.durationMs! / 1000, attempts: attempts)
                state.tasks[name] = t
                progress(.taskSucceeded(task: name, milliseconds: ms))
            case let .failed(name, exitCode, timedOut, attempts, message, tail):
                inFlight.remove(name)
                // A failed task's old outputs no longer vouch for anything.
                if cache.tasks.removeValue(forKey: name) != nil { try cache.save(path: cachePath, durable: options.durable) }
                var t = state.tasks[name]!
                t.status = .failed
                t.attempts = attempts
                t.exitCode = exitCode
                t.timedOut = timedOut ? true : nil
                t.message = message
                t.stderrTail = tail
                t.startedAt = t.startedAt ?? Date()
                t.endedAt = Date()
                t.durationMs = taskStart[name].map(elapsedMs) ?? 0
                t.outputHashes = [:]
                t.process = nil
                if t.trackerRunID == nil { t.trackerRunID = tracker.startChild(task: name, runID: state.runID) }
                tracker.endChild(t.trackerRunID, status: .failed, durationSeconds: t.durationMs! / 1000, attempts: attempts)
                state.tasks[name] = t
                progress(.taskFailed(task: name, exitCode: exitCode, attempts: attempts, message: message))
            }
        }

        while true {
            // One pass: skip what can no longer run, settle cached tasks, start ready ones (at most
            // `jobs` in flight), repeated until nothing changes. Cache checks run here, on this
            // thread: they are cheap (hashing), and a cached task makes its dependents ready within
            // the same pass, so a fully cached DAG settles without a single extra state write.
            var progressed = true
            var startedTasks = false
            while progressed {
                progressed = false
                for name in state.order where state.tasks[name]!.status == .pending && !inFlight.contains(name) {
                    let deps = graph.dependencies[name] ?? []
                    if let bad = deps.first(where: { [.failed, .skipped].contains(state.tasks[$0]!.status) }) {
                        state.tasks[name]!.status = .skipped
                        state.tasks[name]!.message = "upstream task '\(bad)' \(state.tasks[bad]!.status.rawValue)"
                        progress(.taskSkipped(task: name, reason: state.tasks[name]!.message!))
                        progressed = true
                        continue
                    }
                    guard inFlight.count < jobs, deps.allSatisfy({ state.tasks[$0]!.status.isDone }) else { continue }
                    var job = makeJob(name, state: state, cache: forced.contains(name) ? nil : cache.tasks[name], logDir: logDir)
                    switch job.computeKey() {
                    case .failure(let why):
                        try apply(.failed(task: name, exitCode: nil, timedOut: false, attempts: 0, message: why.message, stderrTail: []))
                    case .success(let key):
                        if let outputs = job.cachedOutputs(key: key) {
                            markCached(name, key: key, outputs: outputs)
                        } else {
                            inFlight.insert(name)
                            taskStart[name] = DispatchTime.now()
                            // The task's child run exists before its process starts, so what the task
                            // logs itself (a `possum train` run) nests under it.
                            let child = tracker.startChild(task: name, runID: state.runID)
                            state.tasks[name]?.trackerRunID = child
                            if let child { job.environment["POSSUM_PARENT_RUN_ID"] = child }
                            let started = job
                            // A thread of its own, not Dispatch's pool: the worker blocks in waitpid for
                            // the whole task, and the pool stops at one thread per core, which would
                            // cap --jobs at the core count and starve the timeout timers.
                            let thread = Thread { started.run(key: key) { channel.post($0) } }
                            thread.stackSize = 1 << 20
                            thread.start()
                            startedTasks = true
                        }
                    }
                    progressed = true
                }
            }
            if inFlight.isEmpty { break }
            // A task just started posts `attemptStarted` (or `failed`) within milliseconds, and that
            // batch is saved with everything before it: saving here too would write the same
            // transitions twice (a durable write is two fsyncs, 1-10 ms each on a busy disk). The
            // first state is still written at once, so a driver killed right after its first spawn
            // leaves a run to resume (whose orphans resume then finds by their environment).
            if !startedTasks || !stateWritten {
                try save(&state)
                stateWritten = true
            }
            // Apply every event already waiting, then write the state once.
            var event: WorkerEvent? = channel.next()
            while let e = event {
                try apply(e)
                event = channel.poll()
            }
        }
        let ok = state.tasks.values.allSatisfy { $0.status.isDone }
        state.status = ok ? .succeeded : .failed
        state.endedAt = Date()
        try save(&state)
        tracker.endParent(succeeded: ok, durationSeconds: elapsedMs(since: started) / 1000, counts: state.counts)
        return state
    }

    /// Stops the task processes a killed driver of this run left behind (see `OrphanReaper`);
    /// returns one `orphanStopped` event per process it had to stop.
    private func stopOrphans(of state: RunState) -> [ProgressEvent] {
        let recorded = state.order.compactMap { name in
            state.tasks[name].flatMap { $0.status == .running ? $0.process.map { (task: name, process: $0) } : nil }
        }
        var events: [ProgressEvent] = []
        // Twice: a shell being stopped may have started a new child between the scan and the signal.
        for _ in 0..<2 {
            let orphans = OrphanReaper.find(runID: state.runID, recorded: recorded)
            if orphans.isEmpty { break }
            events += OrphanReaper.terminate(orphans, grace: options.killGraceSeconds).map { .orphanStopped(task: $0.task, pid: $0.pid) }
        }
        return events
    }

    private func save(_ state: inout RunState) throws {
        state.updatedAt = Date()
        try store.save(state)
    }

    private func makeJob(_ name: String, state: RunState, cache: CacheEntry?, logDir: String) -> TaskJob {
        // `name` comes from this graph's order, so the lookup always succeeds.
        let task = graph.task(named: name) ?? TaskSpec(name: name, command: ["false"])
        var env = options.taskEnvironment(dag: graph.pipeline.name, task: name)
        env["POSSUM_DAG_RUN_ID"] = state.runID
        var upstream: [String: [String: String]] = [:]
        for d in graph.dependencies[name] ?? [] { upstream[d] = state.tasks[d]!.outputHashes }
        let pipeline = graph.pipeline
        return TaskJob(task: task, argv: options.resolvedCommand(task.command), workdir: pipeline.workdir, environment: env,
                       stdoutPath: "\(logDir)/\(name).out", stderrPath: "\(logDir)/\(name).err", upstreamOutputs: upstream,
                       cacheEntry: cache, killGraceSeconds: options.killGraceSeconds, resolve: { pipeline.resolve($0) })
    }
}

func elapsedMs(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
}

/// A many-producer, one-consumer queue: workers post, the scheduler blocks in `next()`.
final class EventChannel<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)
    private var events: [Event] = []

    func post(_ event: Event) {
        lock.lock()
        events.append(event)
        lock.unlock()
        available.signal()
    }

    func next() -> Event {
        available.wait()
        lock.lock(); defer { lock.unlock() }
        return events.removeFirst()
    }

    /// The next event if one is waiting, without blocking.
    func poll() -> Event? {
        guard available.wait(timeout: .now()) == .success else { return nil }
        lock.lock(); defer { lock.unlock() }
        return events.removeFirst()
    }
}
