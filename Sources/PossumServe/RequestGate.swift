/// At most `limit` requests read their body and predict at once; the others wait their turn in
/// arrival order. With the connection limit this bounds the memory held by request bodies to
/// `limit × max-body` (a waiting request's body stays in the socket, unread).
actor RequestGate {
    let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the permit to the longest-waiting request, if any.
    func release() {
        if head < waiting.count {
            let next = waiting[head]
            head += 1
            if head > 64 && head * 2 > waiting.count {
                waiting.removeFirst(head)
                head = 0
            }
            next.resume()
        } else {
            inFlight -= 1
        }
    }

    nonisolated func withPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
