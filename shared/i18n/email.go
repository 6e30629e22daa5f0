package i18n

// Mail are the words of the email Parley sends a web visitor (replies
// they left unread, the transcript they asked for) and of the widget's
// parts that go with it, in one language. They live apart from Texts so
// that each feature's words can grow without touching the others'.
type Mail struct {
	// the letters; %s is the deployment's name
	UnreadSubject, TranscriptSubject string
	UnreadIntro, TranscriptIntro     string
	Open, OpenNote, ClosedNote       string
	Footer                           string
	// the widget: the button, its answers, and a link that no longer opens
	// its chat
	EmailTranscript, EmailSending, EmailSent, LinkEnded string
}

var mails = map[string]Mail{
	"en": {
		UnreadSubject:     "%s replied to you",
		TranscriptSubject: "Your chat with %s",
		UnreadIntro:       "You have messages from %s that you have not read yet:",
		TranscriptIntro:   "Here is your chat with %s, as you asked.",
		Open:              "Open the chat",
		OpenNote:          "The link brings you back to the same chat while it is open.",
		ClosedNote:        "This chat has ended; start a new one on the website if you need more help.",
		Footer:            "You get this email because you gave this address when you started a chat with %s.",
		EmailTranscript:   "Email me the transcript",
		EmailSending:      "Sending the transcript…",
		EmailSent:         "The transcript is on its way to the email address you gave.",
		LinkEnded:         "This chat has ended, so its link no longer opens it. You can start a new chat.",
	},
	"fr": {
		UnreadSubject:     "%s vous a répondu",
		TranscriptSubject: "Votre discussion avec %s",
		UnreadIntro:       "Vous avez des messages de %s que vous n’avez pas encore lus :",
		TranscriptIntro:   "Voici votre discussion avec %s, comme vous l’avez demandé.",
		Open:              "Ouvrir la discussion",
		OpenNote:          "Le lien vous ramène à la même discussion tant qu’elle est ouverte.",
		ClosedNote:        "Cette discussion est terminée ; démarrez-en une autre sur le site si besoin.",
		Footer:            "Vous recevez cet e-mail car vous avez donné cette adresse en démarrant une discussion avec %s.",
		EmailTranscript:   "M’envoyer la transcription par e-mail",
		EmailSending:      "Envoi de la transcription…",
		EmailSent:         "La transcription part vers l’adresse e-mail que vous avez donnée.",
		LinkEnded:         "Cette discussion est terminée : son lien ne l’ouvre plus. Vous pouvez en démarrer une nouvelle.",
	},
	"ar": {
		UnreadSubject:     "ردّ عليك %s",
		TranscriptSubject: "محادثتك مع %s",
		UnreadIntro:       "لديك رسائل من %s لم تقرأها بعد:",
		TranscriptIntro:   "إليك محادثتك مع %s كما طلبت.",
		Open:              "افتح المحادثة",
		OpenNote:          "يعيدك الرابط إلى المحادثة نفسها ما دامت مفتوحة.",
		ClosedNote:        "انتهت هذه المحادثة؛ ابدأ محادثة جديدة على الموقع إن احتجت إلى مساعدة.",
		Footer:            "وصلتك هذه الرسالة لأنك أعطيت هذا العنوان عند بدء محادثة مع %s.",
		EmailTranscript:   "أرسل لي نص المحادثة بالبريد",
		EmailSending:      "جارٍ إرسال نص المحادثة…",
		EmailSent:         "نص المحادثة في طريقه إلى عنوان البريد الذي أعطيته.",
		LinkEnded:         "انتهت هذه المحادثة، فلم يعد رابطها يفتحها. يمكنك بدء محادثة جديدة.",
	},
}

// MailIn is the email's words in t's language.
func (t Texts) MailIn() Mail {
	if m, ok := mails[t.Lang]; ok {
		return m
	}
	return mails["en"]
}
