# SPDX-License-Identifier: Apache-2.0

# @summary A certificate revocation list: a path, or the PEM text.
#
# A path names a file the module leaves alone; PEM text (`egd-pki crl` output,
# DIR/crl.pem) is written to a file of the module's own (0644) and a change reloads
# the stunnel instances that use it.
type Egd::Crl = Variant[Stdlib::Absolutepath, Pattern[/\A-----BEGIN X509 CRL-----/]]
