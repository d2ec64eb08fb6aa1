-- config: enforce
-- Health data (NHS number => profile hipaa) over TLSv1 and TLSv1.1: 550 5.7.1.
dofile(os.getenv("PIIGUARD_TESTLIB"))
for _, tls in ipairs({TLS10, TLS11}) do
  test("NHS number over " .. tls[1] .. " is rejected 5.7.1 (hipaa)", function()
    local conn = open()
    helo(conn, tls)
    local r = message(conn, "B0B0B0B0B0", std_headers(), NHS_BODY)
    rejected(conn, r, reply_weak_nhs(tls[1]))
    check(not route_added(conn), "route marker added to a rejected message")
    mt.disconnect(conn)
  end)
end
test("IBAN over TLSv1.2 is accepted (gdpr)", function()
  local conn = open()
  helo(conn, TLS12)
  local r = message(conn, "B0B0B0B0B1", std_headers(), IBAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r) .. ", expected ACCEPT")
  mt.disconnect(conn)
end)
