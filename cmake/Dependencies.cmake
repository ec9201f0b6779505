# Third-party libraries, all from Debian packages (scripts/setup-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)

pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(SQLITE3    REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBZIP     REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(CJSON      REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(LIBUV      REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(LIBCURL    REQUIRED IMPORTED_TARGET libcurl)
# WebSocket + HTTP on the libuv loop (needs libwebsockets-evlib-uv at run time, see LOOP-NOTES).
pkg_check_modules(LWS        REQUIRED IMPORTED_TARGET libwebsockets)
# WebRTC (src/wire/webrtc): ICE on a GLib main context pumped from libuv, SCTP in AF_CONN mode,
# SRTP for media (docs/WEBRTC.md).
pkg_check_modules(NICE       REQUIRED IMPORTED_TARGET nice)
pkg_check_modules(GLIB       REQUIRED IMPORTED_TARGET glib-2.0 gobject-2.0 gio-2.0)
pkg_check_modules(USRSCTP    REQUIRED IMPORTED_TARGET usrsctp)
pkg_check_modules(SRTP2      REQUIRED IMPORTED_TARGET libsrtp2)

if(ACTR_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# Libraries libactr links against; consumers of the static library need them too (actr.pc).
set(ACTR_DEP_TARGETS
    OpenSSL::Crypto OpenSSL::SSL
    PkgConfig::PROTOBUF_C PkgConfig::SQLITE3 PkgConfig::LIBZIP PkgConfig::CJSON
    PkgConfig::LIBUV PkgConfig::LIBCURL PkgConfig::LWS
    PkgConfig::NICE PkgConfig::GLIB PkgConfig::USRSCTP PkgConfig::SRTP2
    Threads::Threads m)
set(ACTR_PC_REQUIRES_PRIVATE "libcrypto libssl libprotobuf-c sqlite3 libzip libcjson libuv libcurl libwebsockets nice glib-2.0 gobject-2.0 gio-2.0 usrsctp libsrtp2")
