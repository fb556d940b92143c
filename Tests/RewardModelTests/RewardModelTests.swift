import Testing
@testable import RewardModel
