-- config: enforce
-- PII (IBAN) over TLSv1.3: accepted, route marker and trace header added.
dofile(os.getenv("PIIGUARD_TESTLIB"))
test("IBAN over TLSv1.3 is accepted with route marker and trace header", function()
  local conn = open()
  helo(conn, TLS13)
  local r = message(conn, "A1B2C3D4E5", std_headers(), IBAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r) .. ", expected ACCEPT")
  check(route_added(conn), "no route marker")
  local route = mt.getheader(conn, "X-PIIGuard-Route", 0)
  check(route ~= nil and string.match(route, "^piiguard%-tls1[23]$"), "route marker value " .. tostring(route))
  check(trace_added(conn), "no trace header")
  mt.disconnect(conn)
end)
