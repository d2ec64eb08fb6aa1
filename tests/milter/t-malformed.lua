-- config: enforce
-- Malformed input never crashes the milter and always gets a defined reply.
dofile(os.getenv("PIIGUARD_TESTLIB"))
local defined = { [SMFIR_ACCEPT] = true, [SMFIR_REJECT] = true, [SMFIR_TEMPFAIL] = true, [SMFIR_REPLYCODE] = true }
local function one(name, qid, headers, body)
  test(name, function()
    local conn = open()
    helo(conn, TLS13)
    local r = message(conn, qid, headers, body)
    check(defined[r], "eom reply " .. reply_name(r) .. " is not a defined final reply")
    mt.disconnect(conn)
  end)
end
one("body with NUL bytes", "BAD0000001", std_headers(), "abc\0def\r\n\0\0\0\r\nIBAN DE89 3704 0044 0532 0130 00\0\r\n")
-- (miltertest overflows its own buffer on headers over ~1 KB; the 1 MB
-- header line is sent by tests/milter/bigheader.py instead.)
one("many headers and a header of 900 bytes", "BAD0000002",
    std_headers({{"X-Long", string.rep("a", 900)}, {"X-A", "1"}, {"X-B", "2"}, {"X-C", "3"}}), CLEAN_BODY)
one("broken MIME", "BAD0000003",
    std_headers({{"MIME-Version", "1.0"}, {"Content-Type", "multipart/mixed; boundary=\"b1"},
                 {"Content-Transfer-Encoding", "base64"}}),
    "--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@!!!===\r\n" ..
    "--b2\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n")
one("header without a value and binary junk", "BAD0000004",
    std_headers({{"X-Empty", ""}, {"X-Bin", "\1\2\3\127\255"}}), string.rep("\255\254", 5000) .. "\r\n")
test("the milter still answers after the malformed messages", function()
  local conn = open()
  helo(conn, TLS13)
  local r = message(conn, "BAD0000005", std_headers(), CLEAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r) .. ", expected ACCEPT")
  mt.disconnect(conn)
end)
