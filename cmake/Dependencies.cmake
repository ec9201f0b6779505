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

if(ACTR_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# Libraries libactr links against; consumers of the static library need them too (actr.pc).
set(ACTR_DEP_TARGETS
    OpenSSL::Crypto OpenSSL::SSL
    PkgConfig::PROTOBUF_C PkgConfig::SQLITE3 PkgConfig::LIBZIP PkgConfig::CJSON
    PkgConfig::LIBUV PkgConfig::LIBCURL PkgConfig::LWS
    Threads::Threads m)
set(ACTR_PC_REQUIRES_PRIVATE "libcrypto libssl libprotobuf-c sqlite3 libzip libcjson libuv libcurl libwebsockets")
