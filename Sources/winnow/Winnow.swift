import ArgumentParser

@main
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Best-of-N selection and rejection sampling with reward models.")
}
