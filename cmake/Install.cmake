# Install rules: libactr (shared + static), public headers, pkg-config file and a CMake package
# so users can write `find_package(actr)` and link `actr::actr` or `actr::actr_static`.
include(CMakePackageConfigHelpers)

install(TARGETS actr actr_static EXPORT actrTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/actr DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT actrTargets NAMESPACE actr:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actr)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/actrConfig.cmake.in
  ${PROJECT_BINARY_DIR}/actrConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actr)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/actrConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/actrConfig.cmake ${PROJECT_BINARY_DIR}/actrConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actr)

# The .pc file finds the prefix relative to itself (LIBDIR may be lib or lib/<triplet>).
file(RELATIVE_PATH ACTR_PC_PREFIX_REL "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(${PROJECT_SOURCE_DIR}/cmake/actr.pc.in ${PROJECT_BINARY_DIR}/actr.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/actr.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
