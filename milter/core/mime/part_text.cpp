// NAME
//   part_text.cpp - the text pipeline of one text part
//
// DESCRIPTION
//   See part_text.h. Each stage returns a view (of its input when nothing
//   changed, else of its own buffer), so the common 7bit UTF-8 case costs a
//   UTF-8 check and the normalizer scan.
#include "mime/part_text.h"

#include "mime/header.h"

namespace piiguard::mime {

// parse_transfer_encoding - Content-Transfer-Encoding value to an encoding
transfer_encoding parse_transfer_encoding(std::string_view value, bool &unknown)
{
    // Lenient like the mail clients that display such parts: RFC 822 comments
    // ("base64 (encoded)"), quotes ("\"base64\"") and anything from a ';' on
    // ("base64 ;") are ignored, so none of them hides the content from the scan.
    std::string cleaned;
    int comment = 0;
    for (char c : value) {
        if (c == ';' && comment == 0)
            break;
        if (c == '(')
            ++comment;
        else if (c == ')' && comment > 0)
            --comment;
        else if (comment == 0 && c != '"')
            cleaned.push_back(c);
    }
    const std::string v = ascii_lower(trim(cleaned));
    unknown = false;
    if (v == "base64")
        return transfer_encoding::base64;
    if (v == "quoted-printable")
        return transfer_encoding::quoted_printable;
    if (v == "x-uuencode" || v == "x-uue" || v == "uuencode" || v == "uue")
        return transfer_encoding::uuencode;
    if (!(v.empty() || v == "7bit" || v == "8bit" || v == "binary"))
        unknown = true;
    return transfer_encoding::identity;
}

// begin - start a body segment
void part_text::begin(const segment_info &info, transfer_encoding enc)
{
    enc_ = enc;
    html_ = info.html;
    b64_.reset();
    qp_.reset();
    uu_.reset();
    // uu blocks are undone in uuencoded parts and, pasted inline, in plain text
    uu_on_ = enc == transfer_encoding::uuencode || (!html_ && (info.content_type.empty() ||
                                                               info.content_type == "text/plain"));
    conv_.open(info.charset);
    html_red_.reset();
    norm_.reset();
    active_ = true;
    sink_.begin_segment(info);
}

// out - hand normalized text to the sink
void part_text::out(std::string_view text)
{
    if (text.empty())
        return;
    st_.text_bytes += text.size();
    sink_.text(text);
}

// after_charset - UTF-8 text through the HTML reducer and the normalizer
void part_text::after_charset(std::string_view utf8)
{
    if (html_) {
        html_buf_.clear();
        html_red_.run(utf8, html_buf_);
        utf8 = html_buf_;
    }
    out(norm_.run(utf8, norm_buf_));
}

// after_transfer - decoded bytes through the charset converter
void part_text::after_transfer(std::string_view bytes)
{
    if (uu_on_ && !bytes.empty())
        bytes = uu_.run(bytes, uu_buf_);
    if (!bytes.empty())
        after_charset(conv_.convert(bytes, conv_buf_));
}

// write - the next raw bytes of the part body
void part_text::write(std::string_view raw)
{
    switch (enc_) {
    case transfer_encoding::identity:
    case transfer_encoding::uuencode:
        after_transfer(raw);
        return;
    case transfer_encoding::base64:
        dec_buf_.clear();
        b64_.decode(raw, dec_buf_);
        after_transfer(dec_buf_);
        return;
    case transfer_encoding::quoted_printable:
        dec_buf_.clear();
        qp_.decode(raw, dec_buf_);
        after_transfer(dec_buf_);
        return;
    }
}

// end - flush all stages and end the segment
void part_text::end()
{
    if (!active_)
        return;
    dec_buf_.clear();
    if (enc_ == transfer_encoding::base64)
        b64_.finish(dec_buf_);
    else if (enc_ == transfer_encoding::quoted_printable)
        qp_.finish(dec_buf_);
    after_transfer(dec_buf_);
    if (uu_on_) {
        const std::string_view rest = uu_.finish(uu_buf_);
        if (!rest.empty())
            after_charset(conv_.convert(rest, conv_buf_));
    }
    after_charset(conv_.finish(conv_buf_));
    if (html_) {
        html_buf_.clear();
        html_red_.finish(html_buf_);
        out(norm_.run(html_buf_, norm_buf_));
    }
    out(norm_.finish(norm_buf_));
    if (b64_.bad())
        st_.flags |= bad_base64;
    if (qp_.bad())
        st_.flags |= bad_qp;
    if (uu_.bad())
        st_.flags |= bad_uuencode;
    if (norm_.saw_nul())
        st_.flags |= nul_bytes;
    st_.flags |= conv_.flags();
    active_ = false;
    sink_.end_segment();
}

}  // namespace piiguard::mime
