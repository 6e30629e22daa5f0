package i18n

// CSATTexts are the widget's words for its satisfaction survey, asked
// when a chat ends, and the text an SMS customer gets. They are apart from
// Texts so that the survey's words travel together.
type CSATTexts struct {
	// Question is the default wording of the question (a deployment may
	// set its own per language).
	Question string
	// Scale names the five scores, 1 to 5, for screen readers and as the
	// buttons' titles.
	Scale [5]string
	// Comment labels the optional comment box; Send sends the rating.
	Comment, Send string
	// Thanks is said once the rating is in; Failed when it could not be
	// sent (%s says why).
	Thanks, Failed string
	// Choose asks for a score first, when Send is pressed without one.
	Choose string
	// SMS is the text asking an SMS or WhatsApp customer to reply with a
	// digit; SMSThanks answers the reply.
	SMS, SMSThanks string
}

var csatTexts = map[string]CSATTexts{
	"en": {
		Question: "How would you rate this chat?",
		Scale:    [5]string{"1 – Very poor", "2 – Poor", "3 – Okay", "4 – Good", "5 – Excellent"},
		Comment:  "Anything you’d like to add? (optional)", Send: "Send rating",
		Thanks: "Thank you for your feedback!", Failed: "Your rating could not be sent: %s",
		Choose:    "Choose a rating from 1 to 5.",
		SMS:       "Thanks for contacting us. How would you rate this conversation? Reply with a number from 1 (very poor) to 5 (excellent).",
		SMSThanks: "Thank you for your feedback!",
	},
	"fr": {
		Question: "Comment évaluez-vous cette discussion ?",
		Scale:    [5]string{"1 – Très mauvais", "2 – Mauvais", "3 – Correct", "4 – Bien", "5 – Excellent"},
		Comment:  "Autre chose à ajouter ? (facultatif)", Send: "Envoyer la note",
		Thanks: "Merci pour votre avis !", Failed: "Votre note n’a pas pu être envoyée : %s",
		Choose:    "Choisissez une note de 1 à 5.",
		SMS:       "Merci de nous avoir contactés. Comment évaluez-vous cet échange ? Répondez par un chiffre de 1 (très mauvais) à 5 (excellent).",
		SMSThanks: "Merci pour votre avis !",
	},
	"ar": {
		Question: "كيف تقيّم هذه المحادثة؟",
		Scale:    [5]string{"1 – سيئة جدًا", "2 – سيئة", "3 – مقبولة", "4 – جيدة", "5 – ممتازة"},
		Comment:  "هل تود إضافة شيء؟ (اختياري)", Send: "إرسال التقييم",
		Thanks: "شكرًا لملاحظاتك!", Failed: "تعذر إرسال تقييمك: %s",
		Choose:    "اختر تقييمًا من 1 إلى 5.",
		SMS:       "شكرًا لتواصلك معنا. كيف تقيّم هذه المحادثة؟ أرسل رقمًا من 1 (سيئة جدًا) إلى 5 (ممتازة).",
		SMSThanks: "شكرًا لملاحظاتك!",
	},
}

// CSAT are the survey's words in t's language.
func (t Texts) CSAT() CSATTexts {
	if c, ok := csatTexts[t.Lang]; ok {
		return c
	}
	return csatTexts["en"]
}

// CSATQuestion is the question in t's language: the deployment's own
// wording for it (questions, by language), else the default.
func (t Texts) CSATQuestion(questions map[string]string) string {
	if q := questions[t.Lang]; q != "" {
		return q
	}
	return t.CSAT().Question
}
