# @summary A TCP endpoint: "HOST:PORT", "[IPv6]:PORT", or a bare port (every address).
type Egd::Endpoint = Pattern[/\A((\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}\z/]
