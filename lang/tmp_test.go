package lang
import ("testing";"os";)
func TestTmpParse(t *testing.T){ b,_:=os.ReadFile("/tmp/d.nox"); f,err:=Parse("d.nox",b); if err!=nil{t.Fatal(err)}; t.Log(len(f.Stmts)); out, err := Format("d.nox", b); t.Log(string(out), err)}
