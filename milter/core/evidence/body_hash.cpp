// body_hash - streamed SHA-256 of the DKIM relaxed canonical body (see body_hash.h)

#include "evidence/body_hash.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace piiguard::evidence {

namespace {
constexpr std::size_t flush_at = 8192;
}

void body_hash::ctx_deleter::operator()(void *p) const { EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(p)); }

body_hash::body_hash() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX *>(ctx_.get()), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("body hash: SHA-256 init failed");
}

body_hash::~body_hash() = default;

// emit - canonical bytes, hashed in blocks
void body_hash::emit(std::string_view s) {
    out_.append(s);
    if (out_.size() >= flush_at) {
        if (EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx_.get()), out_.data(), out_.size()) != 1)
            throw std::runtime_error("body hash: SHA-256 update failed");
        out_.clear();
    }
}

// content - a character that is neither white space nor part of a line end
void body_hash::content(char c) {
    for (; pending_lines_ > 0; --pending_lines_) emit("\r\n");
    if (pending_space_) emit(" ");
    pending_space_ = false;
    emit(std::string_view(&c, 1));
    any_ = true;
}

// update - canonicalise and hash the next chunk
void body_hash::update(std::string_view chunk) {
    if (done_) throw std::logic_error("body hash: update after finish");
    for (char c : chunk) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c != '\n') content('\r');   // a lone CR is text
        }
        switch (c) {
        case '\r':
            pending_cr_ = true;
            break;
        case '\n':
            pending_space_ = false;   // white space at the end of a line is dropped
            ++pending_lines_;
            break;
        case ' ':
        case '\t':
            pending_space_ = true;
            break;
        default:
            content(c);
        }
    }
}

// finish - the digest, base64
std::string body_hash::finish() {
    if (done_) throw std::logic_error("body hash: finish twice");
    if (pending_cr_) content('\r');
    pending_cr_ = false;
    done_ = true;
    if (any_) out_ += "\r\n";   // the last line ends in CR LF; empty lines after it are dropped
    auto *ctx = static_cast<EVP_MD_CTX *>(ctx_.get());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestUpdate(ctx, out_.data(), out_.size()) != 1 || EVP_DigestFinal_ex(ctx, md, &n) != 1)
        throw std::runtime_error("body hash: SHA-256 failed");
    out_.clear();
    unsigned char b64[2 * EVP_MAX_MD_SIZE];
    int len = EVP_EncodeBlock(b64, md, static_cast<int>(n));
    return std::string(reinterpret_cast<char *>(b64), static_cast<std::size_t>(len));
}

// relaxed_body_hash - one-shot
std::string relaxed_body_hash(std::string_view body) {
    body_hash h;
    h.update(body);
    return h.finish();
}

}  // namespace piiguard::evidence
