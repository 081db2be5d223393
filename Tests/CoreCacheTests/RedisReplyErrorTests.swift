import CoreProtocols
import Testing

@testable import CoreCache

@Suite struct RedisReplyErrorTests {
    @Test(arguments: [
        ("LOADING Redis is loading the dataset in memory", WhaleError.Code.unavailable, true),
        ("BUSY Redis is busy running a script", .unavailable, true),
        ("READONLY You can't write against a read only replica.", .unavailable, true),
        ("NOAUTH Authentication required.", .unauthenticated, false),
        ("WRONGPASS invalid username-password pair", .unauthenticated, false),
        ("NOPERM this user has no permissions to run the 'get' command", .permissionDenied, false),
        ("ERR unknown command 'NOPE'", .invalidInput, false),
        ("WRONGTYPE Operation against a key holding the wrong kind of value", .invalidInput, false),
    ])
    func errorRepliesMapToCodes(reply: String, code: WhaleError.Code, retriable: Bool) {
        let error = HiredisContext.replyError(reply)
        #expect(error.code == code)
        #expect(error.isRetriable == retriable)
        #expect(error.message.contains(reply))
    }
}
