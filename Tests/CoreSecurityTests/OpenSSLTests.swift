import CoreProtocols
import CoreSecurity
import Testing

@Suite struct OpenSSLTests {
    @Test func sha256MatchesTheFIPSVectors() throws {
        // FIPS 180-2 appendix B.1 and the empty-message digest.
        #expect(SHA256Digest.hex(try SHA256Digest.hash(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(try SHA256Digest.hash([UInt8]()))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hex(try SHA256Digest.hash(message))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A non-contiguous collection hashes the same as its bytes.
        #expect(try SHA256Digest.hash(Array("abc".utf8).lazy.map { $0 }) == SHA256Digest.hash(Array("abc".utf8)))
    }

    @Test func randomBytesHaveTheLengthAskedForAndDiffer() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
    }

    @Test(arguments: [-1, SecureRandom.maximumCount + 1])
    func anImpossibleCountIsInvalidInput(count: Int) {
        #expect {
            try SecureRandom.bytes(count: count)
        } throws: { error in
            (error as? WhaleError)?.code == .invalidInput
        }
    }

    @Test func reportsTheLibraryVersion() {
        #expect(OpenSSLLibrary.version.hasPrefix("OpenSSL 3"))
    }
}
