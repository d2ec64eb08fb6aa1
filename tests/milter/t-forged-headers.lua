-- config: enforce
-- Sender-supplied copies of piiguard's own headers are removed, clean or not.
dofile(os.getenv("PIIGUARD_TESTLIB"))
local forged = {
  {"X-PIIGuard-Trace", "by piiguard; v=1; qid=FAKE; verdict=accept; sig=AAAA"},
  {"X-PIIGuard-Route", "piiguard-tls13"},
  {"X-PIIGuard-Trace", "by piiguard; v=1; qid=FAKE2; sig=BBBB"},
}
local function removed(conn, name)
  return mt.eom_check(conn, MT_HDRDELETE, name) or mt.eom_check(conn, MT_HDRCHANGE, name, "")
end
test("forged trace and route headers are removed from clean mail", function()
  local conn = open()
  helo(conn, TLS13)
  local r = message(conn, "A0A0A0A0A1", std_headers(forged), CLEAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r))
  check(removed(conn, "X-PIIGuard-Trace"), "forged X-PIIGuard-Trace not removed")
  check(removed(conn, "X-PIIGuard-Route"), "forged X-PIIGuard-Route not removed")
  check(not route_added(conn), "route marker added to clean mail")
  check(trace_added(conn), "our trace header missing")
  mt.disconnect(conn)
end)
test("forged headers are removed from PII mail and ours added", function()
  local conn = open()
  helo(conn, TLS13)
  local r = message(conn, "A0A0A0A0A2", std_headers(forged), IBAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r))
  check(removed(conn, "X-PIIGuard-Trace"), "forged X-PIIGuard-Trace not removed")
  check(removed(conn, "X-PIIGuard-Route"), "forged X-PIIGuard-Route not removed")
  check(route_added(conn), "our route marker missing")
  check(trace_added(conn), "our trace header missing")
  mt.disconnect(conn)
end)
