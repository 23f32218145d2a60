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

bool SameSocket(const ListenAddress& a, const ListenAddress& b) {
  if (a.is_unix != b.is_unix) return false;
  return a.is_unix ? a.path == b.path : a.host == b.host && a.port == b.port;
}

Status AppendListenAddress(std::string_view text, std::vector<ListenAddress>* list) {
  ListenAddress address;
  if (Status st = ParseListenAddress(text, &address); !st.ok()) return st;
  for (const ListenAddress& other : *list) {
    if (SameSocket(address, other)) return Status::Error("'" + address.text + "' is listed twice");
  }
  list->push_back(std::move(address));
  return Status::Ok();
}

}  // namespace egd
