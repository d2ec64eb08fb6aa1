// NAME
//   status.cpp - names of the decoder anomaly flags
//
// DESCRIPTION
//   flag_name() and flag_names() turn status::flags bits into the names used
//   in logs, in the CLI output and in the golden dumps.
#include "mime/status.h"

namespace piiguard::mime {

namespace {

struct flag_entry {
    unsigned bit;
    const char *name;
};

constexpr flag_entry flag_table[] = {
    {truncated_part, "truncated_part"},     {missing_boundary, "missing_boundary"},
    {bad_base64, "bad_base64"},             {bad_qp, "bad_qp"},
    {bad_encoded_word, "bad_encoded_word"}, {bad_charset, "bad_charset"},
    {invalid_utf8, "invalid_utf8"},         {nul_bytes, "nul_bytes"},
    {long_header, "long_header"},           {depth_limit, "depth_limit"},
    {part_limit, "part_limit"},             {header_truncated, "header_truncated"},
    {bad_header, "bad_header"},             {unknown_encoding, "unknown_encoding"},
    {long_boundary, "long_boundary"},       {bad_uuencode, "bad_uuencode"},
    {attach_corrupt, "attach_corrupt"},     {attach_encrypted, "attach_encrypted"},
    {attach_limit, "attach_limit"},
};

}  // namespace

// flag_name - the name of one flag bit
const char *flag_name(unsigned one_flag)
{
    for (const auto &e : flag_table)
        if (e.bit == one_flag)
            return e.name;
    return "unknown";
}

// flag_names - the names of all bits set, in bit order
std::vector<std::string> flag_names(unsigned flags)
{
    std::vector<std::string> out;
    for (unsigned bit = 1; bit != 0; bit <<= 1)
        if (flags & bit)
            out.emplace_back(flag_name(bit));
    return out;
}

// incomplete_reasons - RULES.md reasons of the incomplete bits, distinct and sorted
std::vector<std::string> incomplete_reasons(unsigned flags)
{
    std::vector<std::string> out;
    if (flags & attach_corrupt)
        out.emplace_back("corrupt");
    if (flags & attach_encrypted)
        out.emplace_back("encrypted");
    if (flags & (attach_limit | depth_limit | part_limit | header_truncated))
        out.emplace_back("limit");
    if (flags & unknown_encoding)
        out.emplace_back("unknown_encoding");
    return out;
}

}  // namespace piiguard::mime
