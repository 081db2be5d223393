import ArgumentParser

/// `whale`: the Smart Whale node and operator CLI.
@main
struct Whale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whale",
        abstract: "The Smart Whale Core node and operator tools.",
        version: WhaleVersion.current,
        subcommands: [Serve.self, Doctor.self, CacheCommand.self, TopicsCommand.self, MessagesCommand.self, SchemaCommand.self, Version.self],
        defaultSubcommand: nil
    )
}
