// decoder_test - the streaming MIME decoder end to end (mime/decoder.h)
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "mime/decoder.h"

using namespace piiguard::mime;

namespace {

// recorder - keeps the decoder events as one string, independent of text() chunking
class recorder : public text_sink {
public:
    std::string log;
    std::size_t text_calls = 0;
    void begin_segment(const segment_info &i) override
    {
        log += std::string("[") + segment_kind_name(i.kind) + " " + i.part_path + " " + i.content_type +
               (i.filename.empty() ? "" : " name=" + i.filename) + "]";
    }
    void text(std::string_view t) override
    {
        log.append(t);
        ++text_calls;
    }
    void end_segment() override { log += "[/]"; }
    void skipped(const skipped_part &p) override
    {
        log += "[skip " + p.part_path + " " + p.content_type + " " + skip_reason_name(p.reason) +
               (p.filename.empty() ? "" : " name=" + p.filename) + "]";
    }
};

struct outcome {
    std::string log;
    unsigned flags;
    status st;
};

// run - decode msg fed in chunks of n bytes (0 = whole)
outcome run(std::string_view msg, std::size_t n = 0, const piiguard::util::limits &lim = {})
{
    recorder r;
    decoder d(r, lim);
    if (n == 0)
        n = msg.size() + 1;
    for (std::size_t i = 0; i < msg.size(); i += n)
        d.feed(msg.substr(i, n));
    d.finish();
    return {r.log, d.result().flags, d.result()};
}

// run_random - decode msg fed in random chunks of 1..max bytes
std::string run_random(std::string_view msg, unsigned seed, std::size_t max)
{
    recorder r;
    decoder d(r);
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < msg.size();) {
        const std::size_t n = std::uniform_int_distribution<std::size_t>(1, max)(rng);
        d.feed(msg.substr(i, n));
        i += n;
    }
    d.finish();
    return r.log;
}

const std::string complex_messages[] = {
    // multipart/mixed: alternative (qp text + html), base64 csv, image, forwarded message
    "From: a@example.com\r\n"
    "Subject: =?utf-8?Q?Dossier_4532?= =?utf-8?B?IDAxNTE=?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble text 1111\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"outerx\"\r\n"
    "\r\n"
    "--outerx\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Card 4532 01=\r\n"
    "51 1283 0366 caf=C3=A9\r\n"
    "--outerx\r\n"
    "Content-Type: text/html; charset=windows-1252\r\n"
    "\r\n"
    "<html><head><title>t</title></head><body><p>Card 45<b>32</b>&nbsp;0151&#8203;\xe9</p></body></html>\r\n"
    "--outerx--\r\n"
    "--outer\r\n"
    "Content-Type: text/csv\r\n"
    "Content-Disposition: attachment; filename*0*=utf-8''r%C3%A9sum; filename*1=\"e.csv\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "bmFtZSxpYmFuDQpKb2UsREU4OTM3MDQwMDQ0MDUzMjAx\r\n"
    "MzAwMA0K\r\n"
    "--outer\r\n"
    "Content-Type: image/png; name=\"pic.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner subject 078 05 1120\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner body\r\n"
    "--outer--\r\n"
    "epilogue 2222\r\n",
    // LF only, prefix boundaries, missing close boundary, utf-16 attachment
    "Subject: lf\n"
    "Content-Type: multipart/mixed; boundary=abc\n"
    "\n"
    "--abc\n"
    "Content-Type: multipart/related; boundary=abcd\n"
    "\n"
    "--abcd\n"
    "\n"
    "part one --abc not a boundary\n"
    "--abcd\n"
    "Content-Type: text/plain; charset=utf-16le\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "//40ADUAMwAyAA==\n"
    "--abcd--\n"
    "--abc\n"
    "Content-Type: text/plain\n"
    "\n"
    "last part without close\n"
    "--abc  \n"
    "\n"
    "after whitespace boundary\n",
    // no headers at all, then garbage
    std::string("just a body line\r\nwith \0 NUL and \xff bytes\r\n--x\r\n", 47),
};

}  // namespace

TEST_SUITE("decoder")
{
    TEST_CASE("a plain message gives its subject and body, with CRLF normalized")
    {
        const auto o = run("Subject: Hello  \r\nFrom: x\r\n\r\nline 1\r\nline 2\r\n");
        CHECK(o.log == "[subject  ]Hello[/][body 1 text/plain]line 1\nline 2\n[/]");
        CHECK(o.flags == 0);
        CHECK(o.st.parts == 1);
        CHECK(o.st.text_parts == 1);
    }

    TEST_CASE("the output is the same for every chunk size and for random splits")
    {
        for (const auto &msg : complex_messages) {
            const std::string whole = run(msg).log;
            for (std::size_t n = 1; n <= 80; ++n) {
                CAPTURE(n);
                CHECK(run(msg, n).log == whole);
            }
            for (unsigned seed = 0; seed < 50; ++seed)
                CHECK(run_random(msg, seed, 40) == whole);
        }
    }

    TEST_CASE("a complex multipart message decodes every scanned text and skips the rest")
    {
        const auto o = run(complex_messages[0]);
        CHECK(o.log ==
              "[subject  ]Dossier 4532 0151[/]"
              "[body 1.1 text/plain]Card 4532 0151 1283 0366 caf\xC3\xA9[/]"
              "[body 1.2 text/html]\n\n\nCard 4532 0151\xC3\xA9\n\n\n[/]"
              "[filename 2 text/csv name=r\xC3\xA9sume.csv]r\xC3\xA9sume.csv[/]"
              "[body 2 text/csv name=r\xC3\xA9sume.csv]name,iban\nJoe,DE89370400440532013000\n[/]"
              "[filename 3 image/png name=pic.png]pic.png[/]"
              "[skip 3 image/png binary name=pic.png]"
              "[subject 4 ]inner subject 078 05 1120[/]"
              "[body 4.1 text/plain]inner body[/]");
        CHECK(o.flags == 0);
        CHECK(o.st.parts == 5);
        CHECK(o.st.skipped_parts == 1);
        CHECK(o.st.max_depth == 2);
    }

    TEST_CASE("prefix boundaries, a utf-16 part and a missing close boundary")
    {
        const auto o = run(complex_messages[1]);
        CHECK(o.log ==
              "[subject  ]lf[/]"
              "[body 1.1 text/plain]part one --abc not a boundary[/]"
              "[body 1.2 text/plain]4532[/]"
              "[body 2 text/plain]last part without close[/]"
              "[body 3 text/plain]after whitespace boundary\n[/]");
        CHECK(o.flags == truncated_part);
    }

    TEST_CASE("a body without headers is scanned and flagged, NUL bytes dropped")
    {
        const auto o = run(complex_messages[2]);
        CHECK(o.log == "[body 1 text/plain]just a body line\nwith  NUL and \xEF\xBF\xBD bytes\n--x\n[/]");
        CHECK(o.flags == (bad_header | invalid_utf8 | nul_bytes));
    }

    TEST_CASE("malformed inputs set the expected flags and still emit their text")
    {
        struct row {
            const char *label;
            std::string msg;
            std::string log;
            unsigned flags;
        };
        const row rows[] = {
            {"empty input", "", "[body 1 text/plain][/]", 0},
            {"headers only, no newline", "Subject: x", "[subject  ]x[/][body 1 text/plain][/]", 0},
            {"bad base64 characters skipped", "Content-Transfer-Encoding: base64\n\nND!Uz\nMg==\n",
             "[body 1 text/plain]4532[/]", bad_base64},
            {"truncated base64", "Content-Transfer-Encoding: base64\n\nNDUzMjAx\nNTE",
             "[body 1 text/plain]453201" "51[/]", 0},
            {"unknown transfer encoding read as 8bit", "Content-Transfer-Encoding: x-gzip64\n\n4532\n",
             "[body 1 text/plain]4532\n[/]", unknown_encoding},
            {"multipart without boundary parameter scanned as text",
             "Content-Type: multipart/mixed\n\n--x\nhello\n", "[body 1 multipart/mixed]--x\nhello\n[/]",
             missing_boundary},
            {"boundary that never appears: preamble scanned",
             "Content-Type: multipart/mixed; boundary=zz\n\nhello 4532\n",
             "[body 1 text/plain]hello 4532\n[/]", missing_boundary},
            {"header line without colon starts the body",
             "Subject: s\nthis is not a header\nsecond\n", "[subject  ]s[/][body 1 text/plain]this is not a header\nsecond\n[/]",
             bad_header},
            {"missing blank line before a boundary part body",
             "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nbody text\n--b--\n",
             "[body 1 text/plain]body text[/]", bad_header},
            {"unknown charset", "Content-Type: text/plain; charset=x-martian\n\n\x80\n",
             "[body 1 text/plain]\xE2\x82\xAC\n[/]", bad_charset},
            {"invalid utf-8", "Content-Type: text/plain; charset=utf-8\n\na\xC3(\n",
             "[body 1 text/plain]a\xEF\xBF\xBD(\n[/]", invalid_utf8},
            {"bad quoted-printable escape", "Content-Transfer-Encoding: quoted-printable\n\na=ZZ\n",
             "[body 1 text/plain]a=ZZ\n[/]", bad_qp},
            {"mbox From line ignored", "From someone Mon Jan 1\nSubject: s\n\nb\n", "[subject  ]s[/][body 1 text/plain]b\n[/]", 0},
            {"digest parts default to message/rfc822",
             "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nx\n--d--\n",
             "[subject 1 ]in[/][body 1.1 text/plain]x[/]", 0},
            {"binary garbage", std::string("\x01\x02\xff\xfe:\n\n\0\0--\n", 11), "", bad_header | nul_bytes | invalid_utf8},
        };
        for (const auto &r : rows) {
            CAPTURE(r.label);
            for (std::size_t n : {0, 1, 3}) {
                CAPTURE(n);
                const auto o = run(r.msg, n);
                if (std::string(r.label) != "binary garbage")
                    CHECK(o.log == r.log);
                CHECK(o.flags == r.flags);
            }
        }
    }

    TEST_CASE("issue 10 evasions: transfer-encoding spellings, uuencode, encoded message/rfc822, named text")
    {
        // "4532 0151" in base64 and in uuencode
        const std::string b64 = "NDUzMiAwMTUx\n";
        const std::string uu = "begin 644 card.txt\n)-#4S,B`P,34Q\n`\nend\n";
        struct row {
            const char *label;
            std::string msg;
            std::string log;
            unsigned flags;
        };
        const row rows[] = {
            {"base64 with a comment", "Content-Transfer-Encoding: base64 (encoded)\n\n" + b64,
             "[body 1 text/plain]4532 0151[/]", 0},
            {"quoted base64", "Content-Transfer-Encoding: \"base64\"\n\n" + b64, "[body 1 text/plain]4532 0151[/]", 0},
            {"base64 with a ';' tail", "Content-Transfer-Encoding: base64 ;\n\n" + b64,
             "[body 1 text/plain]4532 0151[/]", 0},
            {"upper-case quoted-printable with a comment",
             "Content-Transfer-Encoding: Quoted-Printable (qp)\n\n4532=20=\n0151\n", "[body 1 text/plain]4532 0151\n[/]",
             0},
            {"x-uuencode part", "Content-Transfer-Encoding: x-uuencode\n\n" + uu, "[body 1 text/plain]4532 0151[/]", 0},
            {"inline uuencode in text/plain", "Content-Type: text/plain\n\nsee below\n" + uu + "bye\n",
             "[body 1 text/plain]see below\n4532 0151bye\n[/]", 0},
            {"a begin line that is not uuencode stays text", "\nbegin here\nbegin 644\n4532\n",
             "[body 1 text/plain]begin here\nbegin 644\n4532\n[/]", 0},
            {"base64-encoded message/rfc822",
             "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n"
             "Content-Transfer-Encoding: base64\n\n"
             // "Subject: in\nContent-Transfer-Encoding: base64\n\nNDUzMiAwMTUx\n"
             "U3ViamVjdDogaW4KQ29udGVudC1UcmFuc2Zlci1FbmNvZGluZzogYmFzZTY0CgpORFV6TWlBd01UVXgK\n--b--\n",
             "[subject 1 ]in[/][body 1.1 text/plain]4532 0151[/]", 0},
            {"quoted-printable message/rfc822",
             "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\nSubject: q=\n\n\nx=3D1\n",
             "[subject 1 ]q[/][body 1.1 text/plain]x=1\n[/]", 0},
            {"CSV labelled vnd.ms-excel is text (charset ignored)",
             "Content-Type: application/vnd.ms-excel; charset=x-martian\n"
             "Content-Disposition: attachment; filename=\"Export.CSV\"\n\nnhs;name\n943 476 5919;x\n",
             "[filename 1 application/vnd.ms-excel name=Export.CSV]Export.CSV[/]"
             "[body 1 application/vnd.ms-excel name=Export.CSV]nhs;name\n943 476 5919;x\n[/]", 0},
            {"TXT labelled octet-stream, base64",
             "Content-Type: application/octet-stream; name=a.txt\nContent-Transfer-Encoding: base64\n\n" + b64,
             "[filename 1 application/octet-stream name=a.txt]a.txt[/]"
             "[body 1 application/octet-stream name=a.txt]4532 0151[/]", 0},
            {"other octet-stream is still skipped",
             "Content-Type: application/octet-stream; name=a.bin\n\n4532\n",
             "[filename 1 application/octet-stream name=a.bin]a.bin[/][skip 1 application/octet-stream binary name=a.bin]",
             0},
        };
        for (const auto &r : rows) {
            CAPTURE(r.label);
            for (std::size_t n : {0, 1, 3, 7}) {
                CAPTURE(n);
                const auto o = run(r.msg, n);
                CHECK(o.log == r.log);
                CHECK(o.flags == r.flags);
                CHECK((o.flags & incomplete_mask) == 0);
            }
        }
    }

    TEST_CASE("an unknown transfer encoding makes the message incomplete, reason unknown_encoding")
    {
        const auto o = run("Content-Transfer-Encoding: x-gzip64\n\n4532\n");
        CHECK(o.st.incomplete());
        CHECK(incomplete_reasons(o.flags) == std::vector<std::string>{"unknown_encoding"});
        CHECK(incomplete_reasons(depth_limit | attach_encrypted | attach_corrupt | unknown_encoding) ==
              std::vector<std::string>{"corrupt", "encrypted", "limit", "unknown_encoding"});
        CHECK(incomplete_reasons(bad_base64 | invalid_utf8).empty());
    }

    TEST_CASE("10,000 nested multiparts hit the depth limit and the bottom is still scanned")
    {
        std::string msg;
        for (int i = 0; i < 10000; ++i)
            msg += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
                   std::to_string(i) + "\n";
        msg += "Content-Type: text/plain\n\nSSN 078-05-1120\n";
        const auto o = run(msg);
        CHECK((o.flags & depth_limit) != 0);
        CHECK(o.st.max_depth <= 33);
        CHECK(o.log.find("SSN 078-05-1120") != std::string::npos);
        CHECK(o.st.incomplete());
        CHECK(run(msg, 4096).log == o.log);
    }

    TEST_CASE("nesting within the limit is decoded, one level more is flat text")
    {
        piiguard::util::limits lim;
        lim.mime_depth = 2;
        const std::string msg =
            "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
            "Content-Type: multipart/mixed; boundary=c\n\n--c\n\ndeep\n--c--\n--b--\n--a--\n";
        const auto o = run(msg, 0, lim);
        CHECK(o.log == "[body 1.1 multipart/mixed]--c\n\ndeep\n--c--[/]");
        CHECK(o.flags == depth_limit);
    }

    TEST_CASE("a 1 MB Subject line is flagged and scanned in pieces up to subject_bytes")
    {
        std::string subject(1 << 20, 'x');
        subject.replace(100, 11, "078-05-1120");
        const std::string msg = "Subject: " + subject + "\r\nTo: y\r\n\r\nbody\r\n";
        const auto o = run(msg, 65536);
        CHECK((o.flags & long_header) != 0);
        CHECK((o.flags & header_truncated) != 0);
        CHECK(o.log.find("078-05-1120") != std::string::npos);
        CHECK(o.log.find("[body 1 text/plain]body\n[/]") != std::string::npos);
        CHECK(o.log.size() < 70000);
        CHECK(run(msg, 1000).log == o.log);
    }

    TEST_CASE("a 512 KB non-subject header line is flagged and does not hide the body")
    {
        const std::string msg = "X-Long: " + std::string(512 * 1024, 'y') + "\nSubject: s\n\nbody\n";
        const auto o = run(msg);
        CHECK(o.flags == long_header);
        CHECK(o.log == "[subject  ]s[/][body 1 text/plain]body\n[/]");
    }

    TEST_CASE("more parts than the limit are skipped and flagged")
    {
        piiguard::util::limits lim;
        lim.parts = 2;
        std::string msg = "Content-Type: multipart/mixed; boundary=p\n\n";
        for (int i = 0; i < 4; ++i)
            msg += "--p\n\npart" + std::to_string(i) + "\n";
        msg += "--p--\n";
        const auto o = run(msg, 0, lim);
        CHECK(o.log == "[body 1 text/plain]part0[/][body 2 text/plain]part1[/]"
                       "[skip 3 text/plain size_limit][skip 4 text/plain size_limit]");
        CHECK(o.flags == part_limit);
        CHECK(o.st.incomplete());
    }

    TEST_CASE("a 10 MB base64 line without a newline is decoded as it streams")
    {
        const std::string unit = "NDUzMiAwMTUx";  // "4532 0151"
        std::string msg = "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n";
        for (int i = 0; i < 10 * 1024 * 1024 / 12; ++i)
            msg += unit;
        recorder r;
        decoder d(r);
        const std::size_t half = msg.size() / 2;
        d.feed(std::string_view(msg).substr(0, half));
        CHECK(r.log.size() > 1000000);  // text was emitted before the end of the part
        d.feed(std::string_view(msg).substr(half));
        d.finish();
        CHECK(r.log.size() == 10 * 1024 * 1024 / 12 * 9 + std::string("[body 1 text/plain][/]").size());
        CHECK(d.result().flags == 0);
    }

    TEST_CASE("binary attachments with file names give a filename segment and a skip")
    {
        const auto o = run(
            "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
            "Content-Type: application/pdf\n"
            "Content-Disposition: attachment; filename=\"=?utf-8?Q?card=5F4532015112830366.pdf?=\"\n"
            "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--q--\n");
        CHECK(o.log == "[filename 1 application/pdf name=card_4532015112830366.pdf]card_4532015112830366.pdf[/]"
                       "[skip 1 application/pdf binary name=card_4532015112830366.pdf]");
        CHECK(o.st.skipped_parts == 1);
        CHECK(o.flags == 0);
    }

    TEST_CASE("a part whose content is a PDF is a container whatever its label; a broken one is corrupt")
    {
        for (const char *type : {"application/pdf", "image/png", "application/octet-stream"}) {
            CAPTURE(type);
            const auto o = run(std::string("Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: ") + type +
                               "\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--q--\n");
            CHECK(o.log.empty());
            CHECK(o.flags == attach_corrupt);
            CHECK(incomplete_reasons(o.flags) == std::vector<std::string>{"corrupt"});
        }
    }

    TEST_CASE("a boundary line split at every offset across two feeds is still found")
    {
        const std::string msg = "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\n\r\nA\r\n--xyz--\r\nepi\r\n";
        const std::string want = "[body 1 text/plain]A[/]";
        for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
            CAPTURE(cut);
            recorder r;
            decoder d(r);
            d.feed(std::string_view(msg).substr(0, cut));
            d.feed(std::string_view(msg).substr(cut));
            d.finish();
            CHECK(r.log == want);
            CHECK(d.result().flags == 0);
        }
    }

    TEST_CASE("status counters and flag names")
    {
        const auto o = run(complex_messages[0]);
        CHECK(o.st.raw_bytes == complex_messages[0].size());
        CHECK(o.st.text_bytes > 100);
        CHECK(flag_names(truncated_part | long_boundary) == std::vector<std::string>{"truncated_part", "long_boundary"});
        CHECK(std::string(flag_name(nul_bytes)) == "nul_bytes");
        CHECK(std::string(flag_name(1u << 30)) == "unknown");
        CHECK(std::string(skip_reason_name(skip_reason::depth_limit)) == "depth_limit");
    }
}
