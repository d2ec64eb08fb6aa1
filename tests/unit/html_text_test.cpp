// html_text_test - streaming HTML to text reducer (mime/html_text.h)
#include <doctest/doctest.h>

#include <string>

#include "mime/charset.h"
#include "mime/html_text.h"

using namespace piiguard::mime;

namespace {

// reduce - the text of html, fed n bytes at a time (0 = whole)
std::string reduce(const std::string &html, std::size_t n)
{
    html_reducer h;
    std::string out;
    if (n == 0)
        n = html.size() + 1;
    for (std::size_t i = 0; i < html.size(); i += n)
        h.run(std::string_view(html).substr(i, n), out);
    h.finish(out);
    return out;
}

struct html_case {
    const char *label;
    std::string in;
    std::string out;
};

const html_case cases[] = {
    {"plain text", "hello", "hello"},
    {"decimal and hex references", "&#52;&#x35;&#X33;2", "4532"},
    {"named references", "a&nbsp;b &amp; &lt;&gt;&quot;&apos;", "a\xC2\xA0" "b & <>\"'"},
    {"latin-1 names", "&eacute;&uuml;&szlig;&Eacute;&euro;", "\xC3\xA9\xC3\xBC\xC3\x9F\xC3\x89\xE2\x82\xAC"},
    {"reference without semicolon", "a&amp b", "a& b"},
    {"unknown reference kept", "&bogus; &", "&bogus; &"},
    {"numeric reference to zero width space", "45&#8203;32", "45\xE2\x80\x8B" "32"},
    {"C1 numeric reference as windows-1252", "&#128;", "\xE2\x82\xAC"},
    {"inline tags vanish", "45<b>32</b> <span class=x>01</span><a href='y'>51</a>", "4532 0151"},
    {"all inline tags vanish",
     "<abbr>1</abbr><bdi>2</bdi><bdo>3</bdo><big>4</big><cite>5</cite><code>6</code><data>7</data>"
     "<del>8</del><em>9</em><font>0</font><i>1</i><ins>2</ins><kbd>3</kbd><label>4</label><mark>5</mark>"
     "<q>6</q><s>7</s><samp>8</samp><small>9</small><strike>0</strike><strong>1</strong><sub>2</sub>"
     "<sup>3</sup><time>4</time><tt>5</tt><u>6</u><var>7</var>8<wbr>9",
     "12345678901234567890123456789"},
    {"other tags break lines", "a<br>b<p>c</p><div>d</div><td>e", "a\nb\nc\n\nd\n\ne"},
    {"self-closing break", "a<br/>b", "a\nb"},
    {"upper-case tag names", "<B>1</B><BR>2", "1\n2"},
    {"attributes with > inside quotes", "<a title=\"x>y\" href='a>b'>ok</a>", "ok"},
    {"comments dropped", "a<!-- 4532 0151 -->b<!---->c", "abc"},
    {"doctype and processing instructions dropped", "<!DOCTYPE html><?xml x?>t", "t"},
    {"script and style dropped", "<script>var a='<b>1</b>';</script>x<style>p{}</style>y", "\nx\ny"},
    {"script end tag needs the name", "<script>a</scr b</script>c", "\nc"},
    {"head and title dropped", "<html><head><title>T 4532</title><meta x></head><body>B</body></html>", "\n\nB\n\n"},
    {"text in head ends the head", "<head><meta x>visible", "visible"},
    {"lone < is text", "a < b <= c <3", "a < b <= c <3"},
    {"entity inside attribute not emitted", "<img alt=\"&#52;&#53;\">z", "\nz"},
    {"unterminated entity at the end", "x&amp", "x&"},
};

}  // namespace

TEST_SUITE("html_text")
{
    TEST_CASE("each table row reduces to the expected text in every chunk size")
    {
        for (const auto &c : cases) {
            CAPTURE(c.label);
            for (std::size_t n : {0, 1, 2, 3, 7}) {
                CAPTURE(n);
                CHECK(reduce(c.in, n) == c.out);
            }
        }
    }

    TEST_CASE("a tag longer than the limit is abandoned and later text is kept")
    {
        std::string html = "<div title=\"" + std::string(html_reducer::max_tag_bytes + 10, 'x');
        html += "\nafter";
        const std::string out = reduce(html, 0);
        CHECK(out.find("after") != std::string::npos);
        CHECK(out.size() < 64);  // the 8 KB of tag were not emitted
        CHECK(reduce(html, 1) == out);
    }

    TEST_CASE("an abandoned tag that cuts a UTF-8 character leaves valid UTF-8")
    {
        // Found by fuzz_mime: the 8 KB cut fell inside a multi-byte
        // character and its continuation byte came out as text.
        auto valid = [](const std::string &s) {
            bool incomplete = false;
            return utf8_valid_prefix(s, &incomplete) == s.size();
        };
        for (std::size_t pad = 0; pad < 3; ++pad) {
            std::string html = "<p title=\"" + std::string(pad, 'x');
            for (int i = 0; i < 3000; ++i) html += "\xE2\x82\xAC";  // U+20AC, 3 bytes
            html += "\"> 4532 0151 1283 0366</p>";
            for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
                CAPTURE(pad);
                CAPTURE(step);
                std::string out = reduce(html, step);
                CHECK(valid(out));
                CHECK(out.find("4532 0151 1283 0366") != std::string::npos);
            }
        }
    }

    TEST_CASE("named entity lookup is case sensitive")
    {
        std::uint32_t cp = 0;
        CHECK(html_entity("Eacute", cp));
        CHECK(cp == 0xC9);
        CHECK(html_entity("eacute", cp));
        CHECK(cp == 0xE9);
        CHECK_FALSE(html_entity("EACUTE", cp));
        CHECK(html_entity("yuml", cp));
        CHECK(cp == 0xFF);
    }
}
