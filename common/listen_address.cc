// SPDX-License-Identifier: Apache-2.0
#include "common/listen_address.h"

namespace egd {

Status ParseListenAddress(std::string_view text, ListenAddress* out) {
  constexpr std::string_view kProxy = "proxy:";
  bool proxy = text.starts_with(kProxy);
  ListenAddress address;
  Status st = ParseNetAddress(proxy ? text.substr(kProxy.size()) : text, true, &address);
  if (!st.ok()) return st;
  address.proxy = proxy;
  address.text = std::string(text);
  *out = std::move(address);
  return Status::Ok();
}

}  // namespace egd
