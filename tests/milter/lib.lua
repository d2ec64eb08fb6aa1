-- lib.lua - helpers shared by the piiguard miltertest scripts (t-*.lua).
--
-- Each script calls test(name, function() ... end): the body runs under
-- pcall, so a failed check prints "FAIL: name: why" (miltertest itself
-- exits 1 without a message) and the script exits non-zero.
-- The socket comes from $PIIGUARD_SOCK (set by run.sh).

SOCK = os.getenv("PIIGUARD_SOCK")
local names = {
  [SMFIR_ACCEPT] = "ACCEPT", [SMFIR_CONTINUE] = "CONTINUE", [SMFIR_REJECT] = "REJECT",
  [SMFIR_TEMPFAIL] = "TEMPFAIL", [SMFIR_DISCARD] = "DISCARD", [SMFIR_REPLYCODE] = "REPLYCODE",
}
function reply_name(r) return names[r] or tostring(r) end

-- check - fail the test with a message unless cond holds
function check(cond, msg) if not cond then error(msg, 2) end end

-- expect - the last reply on conn must be want
function expect(conn, want, step)
  local r = mt.getreply(conn)
  if r ~= want then
    error(step .. ": reply " .. reply_name(r) .. ", expected " .. reply_name(want), 2)
  end
end

-- ok - a miltertest call must succeed (return nil)
function ok(err, step) if err ~= nil then error(step .. ": " .. tostring(err), 2) end end

-- open - connect, send connect info and macros; tls = nil or {version, cipher, bits}
function open(opts)
  opts = opts or {}
  local conn = mt.connect(SOCK, 20, 0.25)
  check(conn ~= nil, "cannot connect to " .. tostring(SOCK))
  ok(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", opts.service or "smtpd",
              "{client_addr}", opts.addr or "192.0.2.10"), "connect macros")
  ok(mt.conninfo(conn, opts.host or "client.example", opts.addr or "192.0.2.10"), "conninfo")
  expect(conn, SMFIR_CONTINUE, "connect")
  return conn
end

-- helo - HELO/EHLO, with TLS macros when tls = {version, cipher, bits}
function helo(conn, tls)
  if tls then
    ok(mt.macro(conn, SMFIC_HELO, "{tls_version}", tls[1], "{cipher}", tls[2], "{cipher_bits}", tls[3]),
       "helo macros")
  end
  ok(mt.helo(conn, "client.example"), "helo")
  expect(conn, SMFIR_CONTINUE, "helo")
end

-- message - one transaction up to end of message; returns the eom reply
-- headers: list of {name, value}; body: string (CRLF line ends)
-- mail_macros: optional extra {name, value, ...} for MAIL (mt.macro replaces
-- all macros of a type, so they are sent together with "i")
function message(conn, qid, headers, body, mail_macros)
  ok(mt.macro(conn, SMFIC_MAIL, "i", qid, (table.unpack or unpack)(mail_macros or {})), "mail macros")
  ok(mt.mailfrom(conn, "<sender@example.org>"), "mailfrom")
  expect(conn, SMFIR_CONTINUE, "mailfrom")
  -- RCPT with the macros Postfix sends by default (milter_rcpt_macros): the
  -- transport and next hop trivial-rewrite chose; piiguard routes by them.
  ok(mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "rcpt@example.net", "{rcpt_mailer}", "smtp",
              "{rcpt_host}", "[relay.example.net]:2525"), "rcpt macros")
  ok(mt.rcptto(conn, "<rcpt@example.net>"), "rcptto")
  expect(conn, SMFIR_CONTINUE, "rcptto")
  for _, h in ipairs(headers) do
    ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
    expect(conn, SMFIR_CONTINUE, "header " .. h[1])
  end
  ok(mt.eoh(conn), "eoh")
  expect(conn, SMFIR_CONTINUE, "eoh")
  ok(mt.bodystring(conn, body), "body")
  expect(conn, SMFIR_CONTINUE, "body")
  ok(mt.eom(conn), "eom")
  return mt.getreply(conn)
end

-- std_headers - a plain header block, plus extra {name, value} pairs
function std_headers(extra)
  local h = {
    {"From", "Sender <sender@example.org>"}, {"To", "rcpt@example.net"},
    {"Subject", "test"}, {"Date", "Tue, 03 Mar 2026 10:00:00 +0000"},
    {"Message-ID", "<t" .. tostring(math.random(1, 1000000000)) .. "@example.org>"},
  }
  for _, e in ipairs(extra or {}) do h[#h + 1] = e end
  return h
end

CLEAN_BODY = "Hello,\r\nthe meeting moved to Thursday.\r\nRegards\r\n"
-- A valid IBAN (mod-97), the standard documentation example.
IBAN_BODY = "Hello,\r\nplease pay to IBAN DE89 3704 0044 0532 0130 00 today.\r\n"
-- A valid NHS number (mod 11) with context: type uk_nhs, profile hipaa in the test config.
NHS_BODY = "Referral for NHS number 943 476 5919, seen today.\r\n"
TLS13 = {"TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"}
TLS12 = {"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256"}
TLS10 = {"TLSv1", "ECDHE-RSA-AES256-SHA", "256"}
TLS11 = {"TLSv1.1", "ECDHE-RSA-AES256-SHA", "256"}

-- trace_added - our trace header was inserted (at the top)
function trace_added(conn)
  return mt.eom_check(conn, MT_HDRINSERT, "X-PIIGuard-Trace")
end
-- route_added - the route marker was added
function route_added(conn)
  return mt.eom_check(conn, MT_HDRADD, "X-PIIGuard-Route")
end

-- Replies piiguard gives (verdict.h); the text names type, profile, TLS problem.
REPLY_CLEAR_IBAN = "Message contains personal data (iban); no TLS (profile gdpr requires TLSv1.1 or later)"
function reply_weak_nhs(version)
  return "Message contains personal data (uk_nhs); " .. version .. " is below the TLSv1.2 minimum of profile hipaa"
end

-- rejected - the eom reply was 550 5.7.1 with exactly this text
function rejected(conn, r, text)
  check(r == SMFIR_REPLYCODE, "eom reply " .. reply_name(r) .. ", expected REPLYCODE (a rejection with text)")
  check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text), "reply is not \"550 5.7.1 " .. text .. "\"")
end

-- test - run body under pcall; print ok/FAIL; exit 1 on failure
function test(name, body)
  local good, err = pcall(body)
  if good then
    print("ok: " .. name)
  else
    print("FAIL: " .. name .. ": " .. tostring(err))
    os.exit(1)
  end
end
