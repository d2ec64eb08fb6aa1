-- config: enforce
-- PII in clear (no TLS macros at all): 550 5.7.1.
dofile(os.getenv("PIIGUARD_TESTLIB"))
test("IBAN in clear is rejected 5.7.1", function()
  local conn = open()
  helo(conn, nil)
  local r = message(conn, "D0D0D0D0D0", std_headers(), IBAN_BODY)
  rejected(conn, r, REPLY_CLEAR_IBAN)
  check(not route_added(conn), "route marker added to a rejected message")
  mt.disconnect(conn)
end)
