// trustpilot.com and Trustpilot Business: the reply to a review is a textarea in a form under the review card,
// posted with the form's submit button; a company reply already under the review counts as a staff reply.
'use strict';

ReplyGuard.trustpilotAdapter = {
  ...ReplyGuard.genericAdapter,
  platform: 'trustpilot',
  site: 'trustpilot',
  REVIEW: 'article, [data-service-review-card]',

  matchesPage(location) {
    return location.hostname === 'www.trustpilot.com' || location.hostname === 'business.trustpilot.com';
  },

  fieldFor(target) {
    return target instanceof HTMLTextAreaElement ? ReplyGuard.genericAdapter.fieldFor(target) : null;
  },

  contextFor(field) {
    const review = field.closest(this.REVIEW);
    if (!review) return {};
    const title = review.querySelector('[data-service-review-title-typography]');
    const text = review.querySelector('[data-service-review-text-typography]');
    const complaint = [title, text].filter(Boolean).map((part) => part.textContent.trim()).join('\n');
    const context = {staff_replies_in_thread: review.querySelectorAll('[data-service-review-business-reply]').length};
    if (complaint) context.complaint = complaint.slice(0, 10000);
    const time = review.querySelector('time[datetime]');
    const date = time && new Date(time.dateTime);
    if (date && !Number.isNaN(date.getTime())) context.complaint_posted_at = date.toISOString();
    return context;
  },

  submitButton(field) {
    return field.form && field.form.querySelector('button[type="submit"], button:not([type]), input[type="submit"]');
  },

  isPostAttempt(event, field) {
    const button = this.submitButton(field);
    return event.type === 'click' && button !== null && button.contains(event.target);
  },

  post(field) {
    this.submitButton(field).click();
  },
};
ReplyGuard.adapters.unshift(ReplyGuard.trustpilotAdapter);
