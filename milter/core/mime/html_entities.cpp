// NAME
//   html_entities.cpp - named HTML character references
//
// DESCRIPTION
//   html_entity() knows the HTML 4 Latin-1 set (&nbsp; .. &yuml;, code points
//   160-255 in order), the markup ones (&amp; &lt; &gt; &quot; &apos;), the
//   HTML 4 typographic set (&euro; &ndash; &hellip; ...) and the HTML 5 names
//   of punctuation often used to split numbers (&period; &hyphen; &sol; ...).
//   Names are case sensitive, as in HTML.
#include <algorithm>
#include <array>
#include <cstring>

#include "mime/html_text.h"

namespace piiguard::mime {

namespace {

// Code points 160..255, in order.
constexpr const char *latin1_names[96] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",
    "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",
    "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",  "para",   "middot",
    "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",
    "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
    "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",
    "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml",
};

struct named {
    const char *name;
    std::uint32_t cp;
};

constexpr named other_names[] = {
    {"quot", 34},       {"amp", 38},        {"apos", 39},       {"lt", 60},
    {"gt", 62},         {"Tab", 9},         {"NewLine", 10},    {"excl", 33},
    {"num", 35},        {"dollar", 36},     {"percnt", 37},     {"lpar", 40},
    {"rpar", 41},       {"ast", 42},        {"plus", 43},       {"comma", 44},
    {"period", 46},     {"sol", 47},        {"colon", 58},      {"semi", 59},
    {"equals", 61},     {"quest", 63},      {"commat", 64},     {"lsqb", 91},
    {"bsol", 92},       {"rsqb", 93},       {"Hat", 94},        {"lowbar", 95},
    {"grave", 96},      {"lcub", 123},      {"verbar", 124},    {"rcub", 125},
    {"NonBreakingSpace", 160},              {"OElig", 338},     {"oelig", 339},
    {"Scaron", 352},    {"scaron", 353},    {"Yuml", 376},      {"fnof", 402},
    {"circ", 710},      {"tilde", 732},     {"ensp", 8194},     {"emsp", 8195},
    {"numsp", 8199},    {"puncsp", 8200},   {"thinsp", 8201},   {"hairsp", 8202},
    {"ZeroWidthSpace", 8203},               {"zwnj", 8204},     {"zwj", 8205},
    {"lrm", 8206},      {"rlm", 8207},      {"hyphen", 8208},   {"dash", 8208},
    {"ndash", 8211},    {"mdash", 8212},    {"lsquo", 8216},    {"rsquo", 8217},
    {"sbquo", 8218},    {"ldquo", 8220},    {"rdquo", 8221},    {"bdquo", 8222},
    {"dagger", 8224},   {"Dagger", 8225},   {"bull", 8226},     {"hellip", 8230},
    {"permil", 8240},   {"prime", 8242},    {"Prime", 8243},    {"lsaquo", 8249},
    {"rsaquo", 8250},   {"oline", 8254},    {"frasl", 8260},    {"NoBreak", 8288},
    {"euro", 8364},     {"trade", 8482},    {"larr", 8592},     {"uarr", 8593},
    {"rarr", 8594},     {"darr", 8595},     {"minus", 8722},
};

}  // namespace

// html_entity - the code point of a named character reference
bool html_entity(std::string_view name, std::uint32_t &cp)
{
    for (std::size_t i = 0; i < 96; ++i)
        if (name == latin1_names[i]) {
            cp = static_cast<std::uint32_t>(160 + i);
            return true;
        }
    for (const auto &e : other_names)
        if (name == e.name) {
            cp = e.cp;
            return true;
        }
    return false;
}

}  // namespace piiguard::mime
