// Package receiptpdf renders a billing receipt as a one-page PDF with go-pdf/fpdf, using
// its built-in core fonts only, so the binary carries no font files.
package receiptpdf

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"

	"github.com/chartroom-him/chartroom/internal/billing"
)

// Render returns the PDF of receipt r.
func Render(r billing.Receipt) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetTitle("Receipt "+r.ID, true)
	pdf.SetCreator("Chartroom", true)
	// A fixed creation date makes the same receipt render to the same bytes.
	pdf.SetCreationDate(r.At)
	pdf.SetModificationDate(r.At)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' cp1252
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, tr("Payment receipt"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	row := func(label, value string) {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(45, 7, tr(label), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(0, 7, tr(value), "", 1, "L", false, 0, "")
	}
	row("Receipt", r.ID)
	row("Program", r.ProgramName)
	row("Student", fmt.Sprintf("%s <%s>", r.StudentName, r.StudentEmail))
	row("Date", r.At.Format("2 January 2006 15:04 MST"))
	row("Method", string(r.Method))
	if r.Reference != "" {
		row("Reference", r.Reference)
	}
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(100, 8, tr("Item"), "B", 0, "L", false, 0, "")
	pdf.CellFormat(50, 8, tr("Ledger reference"), "B", 0, "L", false, 0, "")
	pdf.CellFormat(0, 8, tr("Amount"), "B", 1, "R", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, it := range r.Items {
		pdf.CellFormat(100, 7, tr(it.Name), "", 0, "L", false, 0, "")
		ref := it.EntryID
		if len(ref) > 28 {
			ref = ref[:25] + "..."
		}
		pdf.CellFormat(50, 7, tr(ref), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 7, billing.FormatAmount(it.Amount, r.Currency), "", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(150, 9, "Total paid", "T", 0, "L", false, 0, "")
	pdf.CellFormat(0, 9, billing.FormatAmount(r.Total, r.Currency), "T", 1, "R", false, 0, "")
	if r.Refunded > 0 {
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(150, 7, "Refunded since", "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 7, billing.FormatAmount(r.Refunded, r.Currency), "", 1, "R", false, 0, "")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("receiptpdf: %w", err)
	}
	return buf.Bytes(), nil
}
