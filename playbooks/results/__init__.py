"""Heavy results kept beside the workspace: computed once per workspace version (right after an
import or a new demo, or by the first page that needs them) and read back afterwards."""
