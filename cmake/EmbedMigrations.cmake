# retain_embed_migrations(OUT DIR): writes OUT, a C++ file defining AllMigrations() from every
# DIR/NNNN_name.sql, and re-runs configure when one changes.
function(retain_embed_migrations out dir)
  file(GLOB files CONFIGURE_DEPENDS "${dir}/[0-9][0-9][0-9][0-9]_*.sql")
  list(SORT files)
  set(entries "")
  foreach(f IN LISTS files)
    get_filename_component(stem "${f}" NAME_WE)
    string(SUBSTRING "${stem}" 0 4 version)
    math(EXPR version "${version}")
    string(SUBSTRING "${stem}" 5 -1 name)
    file(READ "${f}" sql)
    # A changed migration must re-run configure, or the binary would keep the old text.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${f}")
    string(APPEND entries "    {${version}, \"${name}\", R\"retain_sql(${sql})retain_sql\"},\n")
  endforeach()
  file(CONFIGURE OUTPUT "${out}" CONTENT "// Generated from src/storage/migrations/*.sql by cmake/EmbedMigrations.cmake.
#include \"storage/migrations.h\"

namespace retain::storage {

std::span<const Migration> AllMigrations() {
  static const Migration kMigrations[] = {
${entries}  };
  return kMigrations;
}

}  // namespace retain::storage
" @ONLY)
endfunction()
