import ArgumentParser
import CoreSecurity
import Messaging

/// `whale version`: the node's version and the native libraries it runs on.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version of whale and of its native libraries.")

    func run() {
        print("whale \(WhaleVersion.current)")
        print("librdkafka \(KafkaLibrary.version)")
        print("\(OpenSSLLibrary.version)")
    }
}
