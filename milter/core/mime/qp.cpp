// NAME
//   qp.cpp - streaming quoted-printable decoder
//
// DESCRIPTION
//   Text between '=' signs is appended in runs found with memchr; the bytes
//   after a '=' go through a small state machine (step) that survives chunk
//   boundaries.
#include "mime/qp.h"

#include <cstring>

namespace piiguard::mime {

namespace {

// hex_value - value of a hex digit, -1 if not one
int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

}  // namespace

// literal - an invalid escape: emit '=' and what followed it as they are
void qp_decoder::literal(std::string &out)
{
    bad_ = true;
    out.push_back('=');
    if (state_ == st::eq_hex)
        out.push_back(hex1_);
    if (state_ == st::eq_ws)
        out.append(ws_buf_, static_cast<std::size_t>(ws_));
    if (state_ == st::eq_cr)
        out.push_back('\r');
    state_ = st::text;
    ws_ = 0;
}

// step - one byte while inside an escape
void qp_decoder::step(char c, std::string &out)
{
    switch (state_) {
    case st::text:
        if (c == '=')
            state_ = st::eq;
        else
            out.push_back(c);
        return;
    case st::eq:
        if (c == '\n') {
            state_ = st::text;
        } else if (c == '\r') {
            state_ = st::eq_cr;
        } else if (c == ' ' || c == '\t') {
            state_ = st::eq_ws;
            ws_buf_[0] = c;
            ws_ = 1;
        } else if (hex_value(c) >= 0) {
            hex1_ = c;
            state_ = st::eq_hex;
        } else {
            literal(out);
            step(c, out);
        }
        return;
    case st::eq_hex:
        if (hex_value(c) >= 0) {
            out.push_back(static_cast<char>(hex_value(hex1_) * 16 + hex_value(c)));
            state_ = st::text;
        } else {
            literal(out);
            step(c, out);
        }
        return;
    case st::eq_cr:  // "=\r": a soft break, with or without the '\n'
        state_ = st::text;
        if (c != '\n')
            step(c, out);
        return;
    case st::eq_ws:
        if (c == '\n') {
            state_ = st::text;
            ws_ = 0;
        } else if (c == '\r') {
            state_ = st::eq_cr;
            ws_ = 0;
        } else if ((c == ' ' || c == '\t') && ws_ < static_cast<int>(sizeof ws_buf_)) {
            ws_buf_[ws_++] = c;
        } else {
            literal(out);
            step(c, out);
        }
        return;
    }
}

// decode - append the bytes decoded from in to out
void qp_decoder::decode(std::string_view in, std::string &out)
{
    const char *p = in.data();
    const char *const end = p + in.size();
    while (p < end) {
        if (state_ != st::text) {
            step(*p++, out);
            continue;
        }
        const void *eq = std::memchr(p, '=', static_cast<std::size_t>(end - p));
        const char *stop = eq ? static_cast<const char *>(eq) : end;
        out.append(p, static_cast<std::size_t>(stop - p));
        p = stop;
        if (p < end) {
            state_ = st::eq;
            ++p;
        }
    }
}

// finish - end of the encoded text
void qp_decoder::finish(std::string &)
{
    // A trailing "=" (or "=X") is a cut escape: dropped, as a soft break would be.
    if (state_ == st::eq_hex)
        bad_ = true;
    state_ = st::text;
    ws_ = 0;
}

}  // namespace piiguard::mime
