-- config: monitor
-- mode = "monitor": nothing is refused; PII in clear is accepted and annotated.
dofile(os.getenv("PIIGUARD_TESTLIB"))
test("IBAN in clear is accepted in monitor mode, still routed", function()
  local conn = open()
  helo(conn, nil)
  local r = message(conn, "303030301", std_headers(), IBAN_BODY)
  check(r == SMFIR_ACCEPT, "eom reply " .. reply_name(r) .. ", expected ACCEPT")
  check(not mt.eom_check(conn, MT_QUARANTINE), "quarantined in monitor mode")
  check(route_added(conn), "no route marker")
  check(trace_added(conn), "no trace header")
  mt.disconnect(conn)
end)
