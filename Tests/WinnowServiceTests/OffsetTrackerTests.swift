import WinnowKafka
import Testing
@testable import WinnowService

@Suite struct OffsetTrackerTests {
    let p0 = KafkaTopicPartition(topic: "in", partition: 0)
    let p1 = KafkaTopicPartition(topic: "in", partition: 1)

    @Test func commitsOnlyTheContiguousDonePrefix() {
        var tracker = OffsetTracker()
        tracker.assign([p0])
        let generation = (0..<5).map { tracker.start(p0, offset: Int64($0)) }[0]
        // Out of order: 2 and 1 finish before 0.
        tracker.complete(p0, offset: 2, generation: generation)
        tracker.complete(p0, offset: 1, generation: generation)
        do { let taken = tracker.takeCommittable(); #expect(taken.isEmpty) }
        tracker.complete(p0, offset: 0, generation: generation)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p0: 3]) }
        do { let taken = tracker.takeCommittable(); #expect(taken.isEmpty, "nothing moved since the last commit") }
        tracker.complete(p0, offset: 4, generation: generation)
        do { let taken = tracker.takeCommittable(); #expect(taken.isEmpty, "3 is still in flight") }
        tracker.complete(p0, offset: 3, generation: generation)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p0: 5]) }
        #expect(tracker.pendingCount == 0)
    }

    @Test func gapsInOffsetsDoNotBlock() {
        var tracker = OffsetTracker()
        let g = tracker.start(p0, offset: 10)
        _ = tracker.start(p0, offset: 13)  // 11, 12: transaction markers, never read
        tracker.complete(p0, offset: 13, generation: g)
        tracker.complete(p0, offset: 10, generation: g)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p0: 14]) }
    }

    @Test func partitionsAreIndependent() {
        var tracker = OffsetTracker()
        tracker.assign([p0, p1])
        let g0 = tracker.start(p0, offset: 0)
        let g1 = tracker.start(p1, offset: 7)
        _ = tracker.start(p0, offset: 1)
        tracker.complete(p1, offset: 7, generation: g1)
        tracker.complete(p0, offset: 1, generation: g0)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p1: 8]) }
        do { let taken = tracker.takeCommittable(only: [p0]); #expect(taken.isEmpty) }
        #expect(tracker.pendingCount == 2, "offset 1 is done but still behind the open offset 0")
    }

    @Test func revokedWorkIsIgnoredAfterReassignment() {
        var tracker = OffsetTracker()
        tracker.assign([p0])
        let old = tracker.start(p0, offset: 0)
        tracker.revoke([p0])
        let stale = tracker.complete(p0, offset: 0, generation: old)
        #expect(!stale)
        tracker.assign([p0])
        let new = tracker.start(p0, offset: 0)
        #expect(new != old)
        let staleAgain = tracker.complete(p0, offset: 0, generation: old)
        #expect(!staleAgain, "a stale completion must not count")
        do { let taken = tracker.takeCommittable(); #expect(taken.isEmpty) }
        let current = tracker.complete(p0, offset: 0, generation: new)
        #expect(current)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p0: 1]) }
    }

    @Test func failedCommitIsRetried() {
        var tracker = OffsetTracker()
        let g = tracker.start(p0, offset: 0)
        tracker.complete(p0, offset: 0, generation: g)
        let offsets = tracker.takeCommittable()
        tracker.uncommit(offsets)
        do { let taken = tracker.takeCommittable(); #expect(taken == [p0: 1]) }
    }

    @Test func manyRecordsOutOfOrder() {
        var tracker = OffsetTracker()
        let g = tracker.start(p0, offset: 0)
        for offset in 1..<5000 { _ = tracker.start(p0, offset: Int64(offset)) }
        // Complete in a scrambled but deterministic order; the commit point trails the lowest open offset.
        let order = (0..<5000).map { ($0 * 2654435761) % 5000 }
        var open = Set(0..<5000)
        for (step, offset) in order.enumerated() {
            tracker.complete(p0, offset: Int64(offset), generation: g)
            open.remove(offset)
            if step % 500 == 499 {
                let expected = Int64(open.min() ?? 5000)
                let committed = tracker.takeCommittable()[p0]
                #expect(committed == nil || committed == expected)
            }
        }
        #expect(Set(order).count == 5000)
        #expect(tracker.pendingCount == 0)
    }
}
