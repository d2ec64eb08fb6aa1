// body_hash_test - DKIM relaxed body hash, streamed (evidence/body_hash.h)
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <string>

#include "evidence/body_hash.h"

namespace ev = piiguard::evidence;

namespace {

// plain_b64_sha256 - base64 SHA-256 of exactly these bytes (the expected canonical form)
std::string plain_b64_sha256(const std::string &s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
    unsigned char b64[100];
    int len = EVP_EncodeBlock(b64, md, static_cast<int>(n));
    return std::string(reinterpret_cast<char *>(b64), static_cast<std::size_t>(len));
}

}  // namespace

TEST_SUITE("body_hash") {
    TEST_CASE("RFC 6376 3.4.6 example body canonicalises as in the RFC") {
        // " C \r\nD \t E\r\n\r\n\r\n" -> " C\r\nD E\r\n"
        CHECK(ev::relaxed_body_hash(" C \r\nD \t E\r\n\r\n\r\n") == plain_b64_sha256(" C\r\nD E\r\n"));
    }

    TEST_CASE("empty bodies and bodies of empty lines hash as the empty string") {
        CHECK(ev::relaxed_body_hash("") == plain_b64_sha256(""));
        CHECK(ev::relaxed_body_hash("\r\n\r\n") == plain_b64_sha256(""));
        CHECK(ev::relaxed_body_hash(" \t \r\n\n") == plain_b64_sha256(""));
        // Known value: SHA-256 of nothing.
        CHECK(ev::relaxed_body_hash("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    TEST_CASE("a last line without a line end gets CR LF; bare LF counts as CR LF") {
        CHECK(ev::relaxed_body_hash("a\r\nb") == plain_b64_sha256("a\r\nb\r\n"));
        CHECK(ev::relaxed_body_hash("a\nb\n\n") == ev::relaxed_body_hash("a\r\nb\r\n"));
        // A lone CR is text.
        CHECK(ev::relaxed_body_hash("a\rb\r\n") == plain_b64_sha256("a\rb\r\n"));
        CHECK(ev::relaxed_body_hash("a\r") == plain_b64_sha256("a\r\r\n"));
    }

    TEST_CASE("tolerated: trailing white space, runs of white space, empty lines at the end") {
        const std::string body = "Dear team,\r\n\r\nThe  meeting\tis at 10.\r\n";
        CHECK(ev::relaxed_body_hash("Dear team,  \n\nThe meeting is at 10.\n\n\n") == ev::relaxed_body_hash(body));
    }

    TEST_CASE("any change to the text changes the hash") {
        const std::string body = "Card 4111 1111 1111 1111\r\n";
        CHECK(ev::relaxed_body_hash(body) != ev::relaxed_body_hash("Card 4111 1111 1111 1112\r\n"));
        CHECK(ev::relaxed_body_hash(body) != ev::relaxed_body_hash("Card 41111111 1111 1111\r\n"));
        CHECK(ev::relaxed_body_hash(body) != ev::relaxed_body_hash("\r\nCard 4111 1111 1111 1111\r\n"));
    }

    TEST_CASE("any chunking gives the same hash (the hash streams)") {
        const std::string body = " lead \t space\r\nline two  \r\n\r\n\r\nlast \r\n\r\n";
        std::string whole = ev::relaxed_body_hash(body);
        for (std::size_t step = 1; step <= body.size(); ++step) {
            ev::body_hash h;
            for (std::size_t i = 0; i < body.size(); i += step) h.update(std::string_view(body).substr(i, step));
            CAPTURE(step);
            CHECK(h.finish() == whole);
        }
        // A CR at the end of one chunk and its LF at the start of the next.
        ev::body_hash h;
        h.update("a\r");
        h.update("\nb\r\n");
        CHECK(h.finish() == plain_b64_sha256("a\r\nb\r\n"));
    }

    TEST_CASE("a large body streams through a bounded buffer") {
        ev::body_hash h;
        std::string line(1000, 'x');
        line += "\r\n";
        std::string all;
        for (int i = 0; i < 200; ++i) {
            h.update(line);
            all += line;
        }
        CHECK(h.finish() == plain_b64_sha256(all));
    }
}
