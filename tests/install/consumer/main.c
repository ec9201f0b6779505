/* Uses only the installed public headers; prints what an error code is called. */
#include <stdio.h>
#include <string.h>

#include <actr/error.h>

int main(void)
{
    const char *text = actr_strerror(ACTR_EPARSE);
    printf("%s\n", text);
    return strcmp(text, "malformed input") == 0 ? 0 : 1;
}
