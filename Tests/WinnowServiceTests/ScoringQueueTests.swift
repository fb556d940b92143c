import Foundation
import WinnowKafka
import RewardEngine
import Testing
@testable import WinnowService

@Suite struct ScoringQueueTests {
    func work(partition: Int32, offset: Int64, tokens: Int) -> ScoringWork {
        let group = PromptGroup(groupID: "g\(offset)", prompt: .text("p"), candidates: [.init(response: "r")])
        let tokenized = TokenizedGroup(group: group, scoring: ScoringGroup(prefix: [], suffixes: [Array(repeating: 1, count: tokens)]),
                                       numTokens: [tokens], responseTokens: [tokens], tokenizeSeconds: 0)
        return ScoringWork(tokenized: tokenized, source: RecordSource(topic: "in", partition: partition, offset: offset),
                           key: nil, original: nil, generation: 1, receivedAt: .now)
    }

    @Test func batchesFillTheTokenBudgetAndCountInFlightTokens() {
        let queue = ScoringQueue()
        for (i, tokens) in [40, 50, 30, 200, 10].enumerated() { queue.push(work(partition: 0, offset: Int64(i), tokens: tokens)) }
        #expect(queue.inFlightTokens == 330)
        let first = queue.takeBatch(tokenBudget: 100)!
        #expect(first.map(\.source.offset) == [0, 1], "40 + 50 fit; + 30 would not")
        #expect(queue.inFlightTokens == 330, "a batch being scored still counts")
        queue.finish(first)
        #expect(queue.inFlightTokens == 240)
        let second = queue.takeBatch(tokenBudget: 100)!
        #expect(second.map(\.source.offset) == [2], "200 does not fit after 30")
        queue.finish(second)
        let third = queue.takeBatch(tokenBudget: 100)!
        #expect(third.map(\.source.offset) == [3], "a group over the budget goes alone")
        queue.finish(third)
        queue.close()
        #expect(queue.takeBatch(tokenBudget: 100)?.map(\.source.offset) == [4], "closing lets queued work finish")
        #expect(queue.takeBatch(tokenBudget: 100) == nil)
    }

    @Test func revokedPartitionsAreDropped() {
        let queue = ScoringQueue()
        for i in 0..<6 { queue.push(work(partition: Int32(i % 3), offset: Int64(i), tokens: 10)) }
        let dropped = queue.drop(partitions: [KafkaTopicPartition(topic: "in", partition: 1)])
        #expect(dropped == 2)
        #expect(queue.inFlightTokens == 40)
        let batch = queue.takeBatch(tokenBudget: 1000)!
        #expect(batch.map(\.source.partition) == [0, 2, 0, 2])
    }
}
