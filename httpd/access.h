// SPDX-License-Identifier: Apache-2.0
// The access policy: whether trng-httpd answers a request, judged from the
// request alone (pure; no sockets). Checked in this order:
// 1. Host: a loopback name (localhost, 127.0.0.1, [::1]; any port) or one of
//    [http] allowed_hosts (case-insensitive, any port), else 421: a name that
//    DNS rebinding pointed at us never reaches the API. No Host header: 400 on
//    HTTP/1.1 (RFC 9112 requires one), accepted on HTTP/1.0.
// 2. Cross-site: a request that changes the device state (init, shutdown,
//    restart), returns entropy (getRandom, generateTestdata, downloadFile,
//    pollen) or opens a live status stream (events: it holds a connection and
//    its samples take bytes from the pool) is refused with 403 when it
//    carries Sec-Fetch-Site other than
//    same-origin or none, or an Origin that is "null" or names another
//    host:port than the Host header. curl and scripts send neither header; the
//    page itself is same-origin.
// 3. Role: on a public listener init, shutdown and restart answer 403; control
//    needs the operator listener (mutual TLS with an operator certificate).
// A refused request changes nothing and takes no entropy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "httpd/api.h"
#include "httpd/host.h"

namespace httpd {

bool ChangesState(Op op);    // init, shutdown, restart
bool ReturnsEntropy(Op op);  // getRandom, generateTestdata, downloadFile, pollen
bool OpensStream(Op op);     // events

struct Refusal {
  std::string reason;  // for metrics: "host", "cross_site", "role"
  Response response;   // 400, 421 or 403 with a JSON message
};

std::optional<Refusal> CheckAccess(const Request& request, const Action& action,
                                   const std::vector<std::string>& allowed_hosts);

}  // namespace httpd
