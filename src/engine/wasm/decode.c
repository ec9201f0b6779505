/*
 * decode.c - decodes the sections of a module binary into wasm_module_t (syntax only: section
 * order and sizes, vectors, names, types, imports, segments, function bodies' instruction
 * syntax). Everything here fails as "malformed"; type rules are checked afterwards by
 * validate.c, so a malformed module is reported as such even if it is also invalid.
 */
#include "engine/wasm/reader.h"

#include <stdlib.h>

#define TRY(x)            \
    do {                  \
        if (!(x))         \
            return false; \
    } while (0)

static bool nomem(wasm_reader_t *r)
{
    wasm_fail(r->err, WASM_ERR_NOMEM, "out of memory");
    return false;
}

/* Reads a vector length and allocates n zeroed elements of `size` bytes. The length is checked
 * against the bytes left (every element takes at least one byte) before allocating. */
static bool rd_vec(wasm_reader_t *r, uint32_t *n, size_t size, void **out)
{
    uint32_t count;
    TRY(wasm_rd_u32(r, &count));
    if (count > (size_t)(r->end - r->p))
        return wasm_rd_fail(r, "length out of bounds");
    *out = calloc(count ? count : 1, size);
    if (!*out)
        return nomem(r);
    *n = count; /* only now: release() walks n entries */
    return true;
}

static bool rd_const(wasm_reader_t *r, wasm_module_t *m, wasm_const_t *c)
{
    const uint8_t *start = r->p;
    TRY(wasm_rd_expr_syntax(r, m));
    /* Keep the expression if it is one constant instruction; anything else is left for the
     * validator to reject as "constant expression required" (or a type mismatch when empty). */
    wasm_reader_t sub = {start, r->p, r->err};
    wasm_instr_t in;
    c->op = 0;
    TRY(wasm_rd_instr(&sub, m, &in));
    if (in.op == 0x0B) {
        c->op = 0x0B;
        return true;
    }
    wasm_instr_t end;
    if (sub.p < sub.end && *sub.p == 0x0B && sub.p + 1 == sub.end) {
        TRY(wasm_rd_instr(&sub, m, &end));
        switch (in.op) {
        case 0x41: case 0x42: case 0x43: case 0x44:
            c->op = (uint8_t)in.op, c->val = in.imm;
            break;
        case 0xD0:
            c->op = 0xD0, c->val = in.selt;
            break;
        case 0xD2: case 0x23:
            c->op = (uint8_t)in.op, c->val = in.a;
            break;
        default:
            break;
        }
    }
    return true;
}

static bool rd_types(wasm_reader_t *r, wasm_module_t *m)
{
    TRY(rd_vec(r, &m->ntypes, sizeof *m->types, (void **)&m->types));
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint8_t tag = 0;
        TRY(wasm_rd_byte(r, &tag));
        if (tag != 0x60)
            return wasm_rd_fail(r, "integer representation too long"); /* spec tests' wording */
        uint32_t np, nr;
        TRY(wasm_rd_u32(r, &np));
        if (np > (size_t)(r->end - r->p))
            return wasm_rd_fail(r, "length out of bounds");
        wasm_valtype_t *v = malloc(((size_t)np + 1) * sizeof *v);
        if (!v)
            return nomem(r);
        m->types[i].params = v;
        m->types[i].param_count = np;
        for (uint32_t k = 0; k < np; k++)
            TRY(wasm_rd_valtype(r, &v[k]));
        TRY(wasm_rd_u32(r, &nr));
        if (nr > (size_t)(r->end - r->p))
            return wasm_rd_fail(r, "length out of bounds");
        wasm_valtype_t *w = malloc(((size_t)nr + 1) * sizeof *w);
        if (!w)
            return nomem(r);
        m->types[i].results = w;
        m->types[i].result_count = nr;
        for (uint32_t k = 0; k < nr; k++)
            TRY(wasm_rd_valtype(r, &w[k]));
    }
    return true;
}

static bool rd_globaltype(wasm_reader_t *r, wasm_valtype_t *t, bool *mut)
{
    uint8_t b = 0;
    TRY(wasm_rd_valtype(r, t));
    TRY(wasm_rd_byte(r, &b));
    if (b > 1)
        return wasm_rd_fail(r, "malformed mutability");
    *mut = b == 1;
    return true;
}

static bool rd_imports(wasm_reader_t *r, wasm_module_t *m)
{
    TRY(rd_vec(r, &m->nimports, sizeof *m->imports, (void **)&m->imports));
    for (uint32_t i = 0; i < m->nimports; i++) {
        wasm_import_def_t *im = &m->imports[i];
        uint8_t kind = 0;
        TRY(wasm_rd_name(r, &im->module));
        TRY(wasm_rd_name(r, &im->name));
        TRY(wasm_rd_byte(r, &kind));
        switch (kind) {
        case 0:
            TRY(wasm_rd_u32(r, &im->type_idx));
            m->nfunc_imports++;
            break;
        case 1:
            TRY(wasm_rd_reftype(r, &im->valtype));
            TRY(wasm_rd_limits(r, &im->lim));
            m->ntable_imports++;
            break;
        case 2:
            TRY(wasm_rd_limits(r, &im->lim));
            m->nmem_imports++;
            break;
        case 3:
            TRY(rd_globaltype(r, &im->valtype, &im->mut));
            m->nglobal_imports++;
            break;
        default:
            return wasm_rd_fail(r, "malformed import kind");
        }
        im->kind = (wasm_extern_kind_t)kind;
    }
    return true;
}

/* The index spaces start with the imports; the functions/tables/memories/globals sections add
 * to them. Allocates each space once its size is known. */
static bool rd_functions(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    uint32_t *idx;
    TRY(rd_vec(r, &n, sizeof *idx, (void **)&idx));
    free(m->func_type);
    m->func_type = NULL;
    m->nfuncs = m->nfunc_imports + n;
    m->func_type = malloc(((size_t)m->nfuncs + 1) * sizeof *m->func_type);
    m->codes = calloc((size_t)n + 1, sizeof *m->codes);
    if (!m->func_type || !m->codes) {
        free(idx);
        return nomem(r);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!wasm_rd_u32(r, &idx[i])) {
            free(idx);
            return false;
        }
        m->func_type[m->nfunc_imports + i] = idx[i];
        m->codes[i].type_idx = idx[i];
    }
    free(idx);
    return true;
}

static bool rd_tables(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    TRY(wasm_rd_u32(r, &n));
    if (n > (size_t)(r->end - r->p))
        return wasm_rd_fail(r, "length out of bounds");
    m->ntables = m->ntable_imports + n;
    free(m->tables);
    m->tables = calloc((size_t)m->ntables + 1, sizeof *m->tables);
    if (!m->tables)
        return nomem(r);
    for (uint32_t i = 0; i < n; i++) {
        wasm_table_def_t *t = &m->tables[m->ntable_imports + i];
        TRY(wasm_rd_reftype(r, &t->elem));
        TRY(wasm_rd_limits(r, &t->lim));
    }
    return true;
}

static bool rd_mems(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    TRY(wasm_rd_u32(r, &n));
    if (n > (size_t)(r->end - r->p))
        return wasm_rd_fail(r, "length out of bounds");
    m->nmems = m->nmem_imports + n;
    free(m->mems);
    m->mems = calloc((size_t)m->nmems + 1, sizeof *m->mems);
    if (!m->mems)
        return nomem(r);
    for (uint32_t i = 0; i < n; i++)
        TRY(wasm_rd_limits(r, &m->mems[m->nmem_imports + i]));
    return true;
}

static bool rd_globals(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    TRY(wasm_rd_u32(r, &n));
    if (n > (size_t)(r->end - r->p))
        return wasm_rd_fail(r, "length out of bounds");
    m->nglobals = m->nglobal_imports + n;
    free(m->globals);
    m->globals = calloc((size_t)m->nglobals + 1, sizeof *m->globals);
    if (!m->globals)
        return nomem(r);
    for (uint32_t i = 0; i < n; i++) {
        wasm_global_def_t *g = &m->globals[m->nglobal_imports + i];
        TRY(rd_globaltype(r, &g->type, &g->mut));
        TRY(rd_const(r, m, &g->init));
    }
    return true;
}

static bool rd_exports(wasm_reader_t *r, wasm_module_t *m)
{
    TRY(rd_vec(r, &m->nexports, sizeof *m->exports, (void **)&m->exports));
    for (uint32_t i = 0; i < m->nexports; i++) {
        wasm_export_def_t *e = &m->exports[i];
        uint8_t kind = 0;
        TRY(wasm_rd_name(r, &e->name));
        TRY(wasm_rd_byte(r, &kind));
        if (kind > 3)
            return wasm_rd_fail(r, "malformed export kind");
        e->kind = (wasm_extern_kind_t)kind;
        TRY(wasm_rd_u32(r, &e->index));
    }
    return true;
}

static bool rd_elems(wasm_reader_t *r, wasm_module_t *m)
{
    TRY(rd_vec(r, &m->nelems, sizeof *m->elems, (void **)&m->elems));
    for (uint32_t i = 0; i < m->nelems; i++) {
        wasm_elem_def_t *e = &m->elems[i];
        uint32_t flags;
        TRY(wasm_rd_u32(r, &flags));
        if (flags > 7)
            return wasm_rd_fail(r, "malformed elements segment kind");
        e->mode = (flags & 1) ? ((flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE)
                              : WASM_SEG_ACTIVE;
        e->type = WASM_FUNCREF;
        if (e->mode == WASM_SEG_ACTIVE) {
            if (flags & 2)
                TRY(wasm_rd_u32(r, &e->table));
            TRY(rd_const(r, m, &e->offset));
        }
        bool exprs = flags & 4;
        if (flags & 3) { /* elemkind (0x00 = funcref) or reftype */
            if (exprs) {
                TRY(wasm_rd_reftype(r, &e->type));
            } else {
                uint8_t kind = 0;
                TRY(wasm_rd_byte(r, &kind));
                if (kind != 0)
                    return wasm_rd_fail(r, "malformed element kind");
            }
        }
        TRY(rd_vec(r, &e->count, sizeof *e->items, (void **)&e->items));
        for (uint32_t k = 0; k < e->count; k++) {
            if (exprs) {
                TRY(rd_const(r, m, &e->items[k]));
            } else {
                e->items[k].op = 0xD2;
                uint32_t f;
                TRY(wasm_rd_u32(r, &f));
                e->items[k].val = f;
            }
        }
    }
    return true;
}

static bool rd_code(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t ncodes;
    TRY(wasm_rd_u32(r, &ncodes));
    if (ncodes != (m->func_type ? m->nfuncs - m->nfunc_imports : 0))
        return wasm_rd_fail(r, "function and code section have inconsistent lengths");
    m->ncodes = ncodes;
    for (uint32_t i = 0; i < m->ncodes; i++) {
        wasm_code_t *c = &m->codes[i];
        uint32_t size;
        TRY(wasm_rd_u32(r, &size));
        if (size > (size_t)(r->end - r->p))
            return wasm_rd_fail(r, "unexpected end of section or function");
        wasm_reader_t body = {r->p, r->p + size, r->err};
        r->p += size;
        uint32_t ngroups;
        TRY(wasm_rd_u32(&body, &ngroups));
        uint64_t total = 0;
        const uint8_t *groups = body.p;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt = 0;
            wasm_valtype_t t = WASM_I32;
            TRY(wasm_rd_u32(&body, &cnt));
            TRY(wasm_rd_valtype(&body, &t));
            total += cnt;
            if (total > WASM_MAX_LOCALS)
                return wasm_rd_fail(r, "too many locals");
        }
        /* Params are known only after the type section; store the declared locals now and
         * prepend the params in validation. */
        c->nlocals = (uint32_t)total;
        c->local_types = malloc(((size_t)total + 1) * sizeof *c->local_types);
        if (!c->local_types)
            return nomem(r);
        wasm_reader_t again = {groups, body.end, r->err};
        uint32_t at = 0;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt = 0;
            wasm_valtype_t t = WASM_I32;
            wasm_rd_u32(&again, &cnt);
            wasm_rd_valtype(&again, &t);
            for (uint32_t k = 0; k < cnt; k++)
                c->local_types[at++] = t;
        }
        c->body = body.p;
        TRY(wasm_rd_expr_syntax(&body, m));
        if (body.p != body.end)
            return wasm_rd_fail(r, "section size mismatch");
        c->body_len = (size_t)(body.p - c->body);
    }
    return true;
}

static bool rd_datas(wasm_reader_t *r, wasm_module_t *m)
{
    m->has_data_section = true;
    TRY(rd_vec(r, &m->ndatas, sizeof *m->datas, (void **)&m->datas));
    if (m->has_datacount && m->datacount != m->ndatas)
        return wasm_rd_fail(r, "data count and data section have inconsistent lengths");
    for (uint32_t i = 0; i < m->ndatas; i++) {
        wasm_data_def_t *d = &m->datas[i];
        uint32_t flags;
        TRY(wasm_rd_u32(r, &flags));
        if (flags > 2)
            return wasm_rd_fail(r, "malformed data segment kind");
        d->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
        if (flags == 2)
            TRY(wasm_rd_u32(r, &d->mem));
        if (flags != 1)
            TRY(rd_const(r, m, &d->offset));
        TRY(wasm_rd_u32(r, &d->len));
        if (d->len > (size_t)(r->end - r->p))
            return wasm_rd_fail(r, "unexpected end of section or function");
        d->bytes = r->p;
        r->p += d->len;
    }
    return true;
}

static bool rd_section(wasm_reader_t *r, wasm_module_t *m, uint8_t id)
{
    switch (id) {
    case 0: /* custom: the name must be UTF-8; the rest is ignored */
        TRY(wasm_rd_name(r, NULL));
        r->p = r->end;
        return true;
    case 1: return rd_types(r, m);
    case 2: return rd_imports(r, m);
    case 3: return rd_functions(r, m);
    case 4: return rd_tables(r, m);
    case 5: return rd_mems(r, m);
    case 6: return rd_globals(r, m);
    case 7: return rd_exports(r, m);
    case 8: {
        uint32_t s;
        TRY(wasm_rd_u32(r, &s));
        m->start = s;
        return true;
    }
    case 9: return rd_elems(r, m);
    case 10: return rd_code(r, m);
    case 11: return rd_datas(r, m);
    case 12:
        m->has_datacount = true;
        return wasm_rd_u32(r, &m->datacount);
    default:
        return wasm_rd_fail(r, "malformed section id");
    }
}

/* Index spaces that no section extended still need their import part allocated. */
static bool finish_spaces(wasm_reader_t *r, wasm_module_t *m)
{
    if (!m->func_type) {
        m->nfuncs = m->nfunc_imports;
        m->func_type = calloc((size_t)m->nfuncs + 1, sizeof *m->func_type);
        m->codes = calloc(1, sizeof *m->codes);
    }
    if (!m->tables) {
        m->ntables = m->ntable_imports;
        m->tables = calloc((size_t)m->ntables + 1, sizeof *m->tables);
    }
    if (!m->mems) {
        m->nmems = m->nmem_imports;
        m->mems = calloc((size_t)m->nmems + 1, sizeof *m->mems);
    }
    if (!m->globals) {
        m->nglobals = m->nglobal_imports;
        m->globals = calloc((size_t)m->nglobals + 1, sizeof *m->globals);
    }
    m->func_declared = calloc((size_t)m->nfuncs + 1, sizeof *m->func_declared);
    if (!m->func_type || !m->codes || !m->tables || !m->mems || !m->globals || !m->func_declared)
        return nomem(r);
    uint32_t fi = 0, ti = 0, mi = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        wasm_import_def_t *im = &m->imports[i];
        switch (im->kind) {
        case WASM_EXTERN_FUNC: m->func_type[fi++] = im->type_idx; break;
        case WASM_EXTERN_TABLE: m->tables[ti].elem = im->valtype; m->tables[ti++].lim = im->lim; break;
        case WASM_EXTERN_MEMORY: m->mems[mi++] = im->lim; break;
        case WASM_EXTERN_GLOBAL:
            m->globals[gi].type = im->valtype;
            m->globals[gi++].mut = im->mut;
            break;
        }
    }
    if (m->ncodes != m->nfuncs - m->nfunc_imports)
        return wasm_rd_fail(r, "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datacount != m->ndatas)
        return wasm_rd_fail(r, "data count and data section have inconsistent lengths");
    /* The binary format needs the data count section for data indices in code; without any
     * data section the spec tests expect the validator's "unknown data segment" instead. */
    if (m->uses_data_idx && m->has_data_section)
        return wasm_rd_fail(r, "data count section required");
    return true;
}

wasm_result_t wasm_decode(wasm_module_t *m, wasm_error_t *err)
{
    /* Section ids in the order the spec requires (the data count section sits before code). */
    static const uint8_t rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    wasm_reader_t r = {m->bytes, m->bytes + m->len, err};
    m->start = -1;
    if (m->len < 4 || memcmp(m->bytes, "\0asm", 4) != 0)
        return wasm_fail(err, WASM_ERR_MALFORMED, "magic header not detected");
    if (m->len < 8 || memcmp(m->bytes + 4, "\1\0\0\0", 4) != 0)
        return wasm_fail(err, WASM_ERR_MALFORMED, "unknown binary version");
    r.p += 8;
    uint8_t last = 0;
    while (r.p < r.end) {
        uint8_t id = 0;
        uint32_t size;
        if (!wasm_rd_byte(&r, &id))
            return err ? err->kind : WASM_ERR_MALFORMED;
        if (id > 12)
            return wasm_fail(err, WASM_ERR_MALFORMED, "malformed section id");
        if (!wasm_rd_u32(&r, &size))
            return err ? err->kind : WASM_ERR_MALFORMED;
        if (size > (size_t)(r.end - r.p))
            return wasm_fail(err, WASM_ERR_MALFORMED, "section size mismatch: unexpected end");
        if (id != 0) {
            if (rank[id] <= last)
                return wasm_fail(err, WASM_ERR_MALFORMED, "unexpected content after last section");
            last = rank[id];
        }
        wasm_reader_t sec = {r.p, r.p + size, err};
        if (!rd_section(&sec, m, id))
            return err ? err->kind : WASM_ERR_MALFORMED;
        if (sec.p != sec.end)
            return wasm_fail(err, WASM_ERR_MALFORMED, "section size mismatch");
        r.p += size;
    }
    if (!finish_spaces(&r, m))
        return err ? err->kind : WASM_ERR_MALFORMED;
    return WASM_OK;
}

void wasm_module_release(wasm_module_t *m)
{
    for (uint32_t i = 0; i < m->ntypes; i++) {
        free((void *)m->types[i].params);
        free((void *)m->types[i].results);
    }
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    free(m->func_type);
    for (uint32_t i = 0; m->codes && i < m->ncodes; i++) {
        free(m->codes[i].local_types);
        free(m->codes[i].code);
    }
    free(m->codes);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->func_declared);
    free(m->bytes);
    free(m);
}
