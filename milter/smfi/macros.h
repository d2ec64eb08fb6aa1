// NAME
//   macros - which Postfix macros piiguard reads, at which milter phase
//
// SYNOPSIS
//   #include "smfi/macros.h"
//
//   using macro_getter = std::function<const char *(const char *name)>;
//   const std::vector<macro_def> &macro_table();
//   tls::tls_facts read_tls(const macro_getter &get);
//   session::connect_info read_connect(const macro_getter &get,
//                                      const char *hostname, const sockaddr *hostaddr);
//   std::string read_macro(const macro_getter &get, phase p, field f);
//
// DESCRIPTION
//   The macro names live here, as data ({phase, name, field}), and nowhere
//   else (compare milter-regex's macro[] table); the core sees neutral
//   tls_facts and connect_info. A getter wraps smfi_getsymval() so that
//   this file can be exercised without libmilter.
//
//   TLS ({tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer})
//   is read at HELO; Postfix sends it with the EHLO that follows STARTTLS,
//   so the callback runs twice and the second reading replaces the first.
//   A missing or empty {tls_version} means no TLS.
//
//   Recipients: {rcpt_mailer} and {rcpt_host} are the transport and next
//   hop trivial-rewrite resolved for the recipient (Postfix's default
//   milter_rcpt_macros; verified with Postfix 3.7: virtual mailbox =>
//   "virtual" + the domain, transport_maps "smtp:[127.0.0.1]:2727" =>
//   "smtp" + "[127.0.0.1]:2727", relayhost => "smtp" + the relayhost,
//   sender_dependent_relayhost_maps => "smtp" + the sender's relay).
//
//   Local submission. Postfix's cleanup(8) emulates a connection for mail
//   that has no SMTP client (sendmail(1), pickup, non_smtpd_milters): it
//   reports the client as "localhost" at 127.0.0.1 with port 0. A real TCP
//   client never has port 0, so the rule is: local when libmilter gives no
//   client address at all (hostaddr == NULL, unknown family), or when the
//   client is "localhost" at a loopback address with port 0 and any
//   {client_addr} macro is that same loopback address. Everything else is an
//   SMTP client, with {client_addr} (or the connect address) as its address.
//
// SEE ALSO
//   session/session.h, tls/tls_facts.h, ../shared/notes/postfix.md
#pragma once

#include <sys/socket.h>

#include <functional>
#include <string>
#include <vector>

#include "session/session.h"
#include "tls/tls_facts.h"

namespace piiguard::smfi {

enum class phase { connect, helo, envfrom, envrcpt, eoh, eom };
enum class field {
    tls_version, cipher, cipher_bits, cert_subject, cert_issuer,
    auth_authen, daemon_name, client_addr, client_name, queue_id,
    rcpt_addr, rcpt_mailer, rcpt_host,
};

struct macro_def {
    phase when;
    const char *name;   // as Postfix spells it, braces included
    field what;
};

using macro_getter = std::function<const char *(const char *name)>;

// macro_table - every macro piiguard reads
const std::vector<macro_def> &macro_table();
// read_macro - the value of the macro for (phase, field); "" when absent
std::string read_macro(const macro_getter &get, phase p, field f);
// read_tls - TLS facts from the HELO-phase macros ("no TLS" when absent)
tls::tls_facts read_tls(const macro_getter &get);
// read_connect - client, service and local-submission facts at connect
session::connect_info read_connect(const macro_getter &get, const char *hostname, const sockaddr *hostaddr);
// read_rcpt - one recipient as Postfix resolved it ({rcpt_addr} {rcpt_mailer} {rcpt_host});
// arg is the RCPT TO argument, used when {rcpt_addr} is absent
route::recipient read_rcpt(const macro_getter &get, const char *arg);
// sockaddr_text - numeric address of a sockaddr ("" if none); port in *port
std::string sockaddr_text(const sockaddr *sa, int *port);

}  // namespace piiguard::smfi
