# SPDX-License-Identifier: Apache-2.0
# Debian packages, one per component: `cpack -G DEB` in the build directory
# (tests/081-debian-packages builds and installs them).
#
#   egdd         /usr/sbin/egdd, /usr/sbin/egdctl, /usr/bin/egd-eval,
#                /etc/egdd/egdd.toml, egdd.service, udev rule for /dev/hwrng
#   trng-httpd   /usr/sbin/trng-httpd, /etc/trng-httpd/trng-httpd.toml, its unit
#   egd-feed     /usr/sbin/egd-feed, /etc/egd-feed/egd-feed.toml, its unit, the
#                credit drop-in /usr/share/doc/egd-feed/credit.conf
#   trng-sim     /usr/bin/trng-sim
#   egd-stunnel  stunnel-egd@.service, /usr/sbin/egd-pki, the stunnel templates
#                and their renderer in /usr/share/egd-stunnel
#
# Users and groups (postinst; they stay on purge):
#   egdd         user egdd (in dialout), group egd-proxy (/run/egdd/proxy)
#   trng-httpd   user trng-httpd (in egdd: the control socket), groups egd-https
#                (/run/trng-httpd/public) and egd-operator (/run/trng-httpd/operator)
#   egd-feed     user egd-feed, in stunnel-egd-client if that group exists
#   egd-stunnel  users stunnel-egd-server (in egd-proxy), stunnel-https-server (in
#                egd-https), stunnel-https-operator (in egd-operator) and
#                stunnel-egd-client, each with its own group; those groups are made
#                here if egdd or trng-httpd is not installed yet; egd-feed joins
#                stunnel-egd-client if it is installed already
#
# egdctl sits in /usr/sbin beside egdd, as egdd/CMakeLists.txt installs it: it
# needs the control socket, which only root and group egdd may use.
#
# The components' install() rules are all here. The plain install() rules of the
# component directories land in the component "Unspecified", which is not
# packaged (CPACK_COMPONENTS_ALL below); their destinations are the same.
#
# Maintainer scripts come from packaging/debian/*.in: postinst creates the system
# users, groups and memberships and makes the configuration root:GROUP 0640; units
# are enabled and started as dh_installsystemd does, and only when systemd runs the
# machine.

set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(EGD_DEB_MAINTAINER "egdd maintainers <maintainers@egdd.invalid>"
  CACHE STRING "Maintainer field of the Debian packages (Name <address>)")
# Build trees configured before the project chose its Maintainer cached a placeholder.
if(EGD_DEB_MAINTAINER STREQUAL "egd-entropy-service maintainers <egd-maintainers@example.org>")
  set_property(CACHE EGD_DEB_MAINTAINER PROPERTY VALUE "egdd maintainers <maintainers@egdd.invalid>")
endif()
set(CPACK_PACKAGE_CONTACT "${EGD_DEB_MAINTAINER}")
set(EGD_UNIT_DIR /lib/systemd/system)
set(EGD_DEB_SRC ${CMAKE_SOURCE_DIR}/packaging/debian)
set(EGD_DEB_OUT ${CMAKE_BINARY_DIR}/packaging/debian)

# egd_deb_component(COMPONENT PACKAGE SUMMARY [DESCRIPTION text] [USERS u...]
#                   [SYSTEM_GROUPS g...] [MEMBERS user:group...] [MEMBERS_IF user:group...]
#                   [CONFIG_GROUP g] [CONFIGS f...] [UNITS u...] [ENABLE u...]
#                   [UDEV sysname] [DEPENDS d] [MANPAGES packaging/man/x.N...])
# USERS: system users, each with a group of its name; SYSTEM_GROUPS: groups of their
# own; MEMBERS: memberships, the group made if missing; MEMBERS_IF: memberships made
# only when user and group exist; CONFIG_GROUP: the group that may read CONFIGS.
# Renders the maintainer scripts, conffiles and changelog.Debian.gz, installs the
# copyright file, the gzipped manual pages and the lintian overrides and sets the
# component's CPack variables.
function(egd_deb_component comp pkg summary)
  cmake_parse_arguments(P "" "CONFIG_GROUP;UDEV;DEPENDS;DESCRIPTION"
    "USERS;SYSTEM_GROUPS;MEMBERS;MEMBERS_IF;CONFIGS;UNITS;ENABLE;MANPAGES" ${ARGN})
  string(TOUPPER ${comp} C)
  set(out ${EGD_DEB_OUT}/${pkg})
  set(PKG ${pkg})
  set(PKG_CONFIG_GROUP "${P_CONFIG_GROUP}")
  set(PKG_UDEV "${P_UDEV}")
  string(JOIN " " PKG_USERS ${P_USERS})
  string(JOIN " " PKG_GROUPS ${P_SYSTEM_GROUPS})
  string(JOIN " " PKG_MEMBERS ${P_MEMBERS})
  string(JOIN " " PKG_MEMBERS_IF ${P_MEMBERS_IF})
  string(JOIN " " PKG_CONFIGS ${P_CONFIGS})
  string(JOIN " " PKG_UNITS ${P_UNITS})
  string(JOIN " " PKG_ENABLE ${P_ENABLE})
  set(extra "")
  if(P_USERS OR P_SYSTEM_GROUPS OR P_MEMBERS OR P_MEMBERS_IF OR P_UNITS)
    foreach(script postinst prerm postrm)
      configure_file(${EGD_DEB_SRC}/${script}.in ${out}/${script} @ONLY
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                         WORLD_READ WORLD_EXECUTE)
      list(APPEND extra ${out}/${script})
    endforeach()
  endif()
  if(P_CONFIGS)
    string(JOIN "\n" lines ${P_CONFIGS})
    file(WRITE ${out}/conffiles "${lines}\n")
    list(APPEND extra ${out}/conffiles)
  endif()
  install(FILES ${EGD_DEB_SRC}/copyright DESTINATION share/doc/${pkg} COMPONENT ${comp})
  # Debian policy 12.7: every package has its changelog.Debian.gz (gzip -9n).
  string(TIMESTAMP when "%a, %d %b %Y %H:%M:%S +0000" UTC)
  file(WRITE ${out}/changelog.Debian
    "${pkg} (${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}) unstable; urgency=medium\n\n"
    "  * Built with CPack from the egd-entropy-service sources.\n\n"
    " -- ${EGD_DEB_MAINTAINER}  ${when}\n")
  execute_process(COMMAND gzip -9nf ${out}/changelog.Debian COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${out}/changelog.Debian.gz DESTINATION share/doc/${pkg} COMPONENT ${comp})
  foreach(page ${P_MANPAGES})
    get_filename_component(name ${page} NAME)
    string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${name})
    configure_file(${CMAKE_SOURCE_DIR}/${page} ${out}/man/${name} COPYONLY)
    execute_process(COMMAND gzip -9nf ${out}/man/${name} COMMAND_ERROR_IS_FATAL ANY)
    install(FILES ${out}/man/${name}.gz DESTINATION share/man/man${section} COMPONENT ${comp})
  endforeach()
  # Not uploaded to Debian, so its first changelog entry closes no ITP bug.
  file(WRITE ${out}/lintian-overrides "${pkg}: initial-upload-closes-no-bugs\n")
  install(FILES ${out}/lintian-overrides DESTINATION share/lintian/overrides RENAME ${pkg}
    COMPONENT ${comp})
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${pkg} PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_CONTROL_EXTRA "${extra}" PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_DEPENDS "${P_DEPENDS}" PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_SECTION net PARENT_SCOPE)
  set(CPACK_COMPONENT_${C}_DESCRIPTION "${summary}\n${P_DESCRIPTION}" PARENT_SCOPE)
endfunction()

# --- egdd ------------------------------------------------------------------
install(TARGETS egdd egdctl RUNTIME DESTINATION sbin COMPONENT egdd)
install(TARGETS egd-eval RUNTIME DESTINATION bin COMPONENT egdd)
install(FILES egdd/egdd.example.toml DESTINATION /etc/egdd RENAME egdd.toml COMPONENT egdd)
install(FILES packaging/systemd/egdd.service DESTINATION ${EGD_UNIT_DIR} COMPONENT egdd)
install(FILES ${EGD_DEB_SRC}/60-egdd-hwrng.rules DESTINATION /lib/udev/rules.d COMPONENT egdd)
install(FILES README.md DESTINATION share/doc/egdd COMPONENT egdd)
install(DIRECTORY docs/ DESTINATION share/doc/egdd COMPONENT egdd)
egd_deb_component(egdd egdd "EGD entropy server for a hardware TRNG"
  DESCRIPTION "egdd reads a hardware random number generator (serial TRNG or\n/dev/hwrng), health-tests its output and serves it over the EGD protocol.\nIncludes egdctl (control client) and egd-eval (statistical evaluation)."
  USERS egdd SYSTEM_GROUPS egd-proxy MEMBERS egdd:dialout CONFIG_GROUP egdd UDEV hw_random
  MANPAGES packaging/man/egdd.8 packaging/man/egdctl.8 packaging/man/egd-eval.1
  CONFIGS /etc/egdd/egdd.toml
  UNITS egdd.service ENABLE egdd.service
  DEPENDS "adduser")

# --- trng-httpd --------------------------------------------------------------
install(TARGETS trng-httpd RUNTIME DESTINATION sbin COMPONENT httpd)
install(FILES httpd/trng-httpd.example.toml DESTINATION /etc/trng-httpd RENAME trng-httpd.toml
  COMPONENT httpd)
install(FILES packaging/systemd/trng-httpd.service DESTINATION ${EGD_UNIT_DIR} COMPONENT httpd)
egd_deb_component(httpd trng-httpd "HTTP API and web page for the egdd TRNG"
  DESCRIPTION "trng-httpd shows egdd's state and serves random data and test files\nover HTTP on loopback (HTTPS through egd-stunnel)."
  USERS trng-httpd SYSTEM_GROUPS egd-https egd-operator MEMBERS trng-httpd:egdd
  CONFIG_GROUP trng-httpd
  MANPAGES packaging/man/trng-httpd.8
  CONFIGS /etc/trng-httpd/trng-httpd.toml
  UNITS trng-httpd.service ENABLE trng-httpd.service
  DEPENDS "adduser, egdd (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}), libjs-chart.js")
install(FILES docs/api.md DESTINATION share/doc/trng-httpd COMPONENT httpd)

# --- egd-feed ----------------------------------------------------------------
install(TARGETS egd-feed RUNTIME DESTINATION sbin COMPONENT feed)
install(FILES feed/egd-feed.example.toml DESTINATION /etc/egd-feed RENAME egd-feed.toml
  COMPONENT feed)
install(FILES packaging/systemd/egd-feed.service DESTINATION ${EGD_UNIT_DIR} COMPONENT feed)
install(FILES feed/README.md DESTINATION share/doc/egd-feed COMPONENT feed)
# The systemd drop-ins, examples to copy to /etc/systemd/system/egd-feed.service.d/,
# never active by themselves: CAP_SYS_ADMIN for crediting and reseeding (credit),
# AF_NETLINK for the VM generation uevent (vmgenid), a writable node_exporter
# textfile directory (metrics).
install(FILES packaging/systemd/egd-feed.service.d/credit.conf
  packaging/systemd/egd-feed.service.d/vmgenid.conf
  packaging/systemd/egd-feed.service.d/metrics.conf
  DESTINATION share/doc/egd-feed COMPONENT feed)
# Not enabled on install: it needs an EGD server (egd-stunnel's client) first.
egd_deb_component(feed egd-feed "Feed the kernel entropy pool from an EGD server"
  DESCRIPTION "egd-feed reads entropy from an EGD server (normally egdd through a TLS\ntunnel) and mixes it into the kernel's pool, without any privilege. Crediting\nit (RNDADDENTROPY) takes CAP_SYS_ADMIN, granted by an optional drop-in."
  USERS egd-feed MEMBERS_IF egd-feed:stunnel-egd-client CONFIG_GROUP egd-feed
  MANPAGES packaging/man/egd-feed.8
  CONFIGS /etc/egd-feed/egd-feed.toml
  UNITS egd-feed.service
  DEPENDS "adduser")

# --- trng-sim ----------------------------------------------------------------
install(TARGETS trng-sim RUNTIME DESTINATION bin COMPONENT sim)
egd_deb_component(sim trng-sim "Simulated serial TRNG for testing egdd"
  DESCRIPTION "trng-sim runs the TRNG firmware's logic on a pseudo-terminal, so that\negdd can be tested without the hardware."
  MANPAGES packaging/man/trng-sim.1)

# --- egd-stunnel ---------------------------------------------------------------
file(GLOB egd_stunnel_templates ${CMAKE_SOURCE_DIR}/stunnel/*.conf.in)
install(FILES ${egd_stunnel_templates} DESTINATION share/egd-stunnel COMPONENT stunnel)
install(PROGRAMS stunnel/render DESTINATION share/egd-stunnel COMPONENT stunnel)
install(PROGRAMS scripts/egd-pki DESTINATION sbin COMPONENT stunnel)
install(FILES packaging/systemd/stunnel-egd@.service DESTINATION ${EGD_UNIT_DIR} COMPONENT stunnel)
install(FILES stunnel/README.md DESTINATION share/doc/egd-stunnel COMPONENT stunnel)
# Template unit: instances are enabled by whoever writes /etc/stunnel/NAME.conf.
egd_deb_component(stunnel egd-stunnel "TLS tunnels (stunnel) for the EGD entropy service"
  DESCRIPTION "Configuration templates (/usr/share/egd-stunnel, rendered with its\nrender script), the private CA tool egd-pki and the hardened unit\nstunnel-egd@.service for EGD and HTTPS over TLS, each instance under its own\nsystem user."
  USERS stunnel-egd-server stunnel-https-server stunnel-https-operator stunnel-egd-client
  MEMBERS stunnel-egd-server:egd-proxy stunnel-https-server:egd-https
          stunnel-https-operator:egd-operator
  MEMBERS_IF egd-feed:stunnel-egd-client
  UNITS stunnel-egd@.service
  MANPAGES packaging/man/egd-pki.8
  DEPENDS "adduser, stunnel4, openssl, python3")
set(CPACK_DEBIAN_STUNNEL_PACKAGE_ARCHITECTURE all)

# --- CPack -------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME egd-entropy-service)
set(CPACK_PACKAGE_VENDOR "egd-entropy-service")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_COMPONENTS_ALL egdd httpd feed sim stunnel)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# /etc and /lib destinations are absolute: install them under DESTDIR.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
include(CPack)
