-- config: enforce
-- Postfix sends the TLS macros only with the EHLO after STARTTLS: the second
-- HELO's macros must be the ones used.
dofile(os.getenv("PIIGUARD_TESTLIB"))
test("TLS macros given at the second HELO are used", function()
  local conn = open()
  helo(conn, nil)       -- EHLO before STARTTLS: no TLS macros
  helo(conn, TLS13)     -- EHLO after STARTTLS
  local r = message(conn, "E0E0E0E0E0", std_headers(), IBAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r) .. ", expected ACCEPT")
  check(route_added(conn), "no route marker")
  mt.disconnect(conn)
end)
